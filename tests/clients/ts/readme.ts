import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js"; // npx openapi-typescript http://127.0.0.1:8000/openapi.json -o schema.d.ts

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });
const { data } = await api.GET("/api/v1/agreements", {
  params: { query: { country: ["AZ"], sector: ["energy"] } },
});
console.log(data?.items[0].id); // typed, and `tsc --strict` is happy

// A download is text: say so, or openapi-fetch parses it as JSON and throws
const { data: csv } = await api.GET("/api/v1/agreements.csv", {
  params: { query: { country: ["AZ"] } },
  parseAs: "text",
});
console.log(csv?.split("\r\n")[0]); // id,title,kind,date,...

// A correction: a JSON Merge Patch, typed as AgreementPatch (`satisfies` makes a misspelled
// field a compile error: openapi-fetch checks an inline body only for the fields it has)
const id = "mou-energy-vn-az-2025";
const { response } = await api.GET("/api/v1/agreements/{agreement_id}", {
  params: { path: { agreement_id: id } },
});
await api.PATCH("/api/v1/agreements/{agreement_id}", {
  params: { path: { agreement_id: id }, header: { "If-Match": response.headers.get("ETag") ?? "" } },
  headers: { Authorization: "Bearer <a write key>" },
  body: { status: "signed" } satisfies components["schemas"]["AgreementPatch"],
});
