// A frontend page as a developer writes it with the npm standard: types from
// openapi-typescript (schema.d.ts), the default openapi-fetch client.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";
import type { Tour } from "./tour.js";

type Agreement = components["schemas"]["AgreementOut"];
type Kind = components["schemas"]["AgreementKind"];
type Patch = components["schemas"]["AgreementPatch"];

export async function tour(baseUrl: string, key: string): Promise<Tour> {
  const api = createClient<paths>({ baseUrl });
  const listed = await api.GET("/api/v1/agreements", {
    params: { query: { country: ["AZ"], sector: ["energy"], sort: "-date" } },
  });
  if (listed.error) {
    // A problem+json document, typed: each item names its parameter and location.
    const where: string[] = (listed.error.errors ?? []).map((e) => `${e.location} ${e.parameter}`);
    throw new Error(`${listed.error.title}: ${where.join(", ")}`);
  }
  const id: string = listed.data.items[0].id;
  const kinds: Kind[] = listed.data.items.map((item: Agreement) => item.kind);

  const detail = await api.GET("/api/v1/agreements/{agreement_id}", {
    params: { path: { agreement_id: id } },
  });
  const etag = detail.response.headers.get("ETag");
  if (!detail.data || !etag) throw new Error(`no agreement ${id}`);

  const csv = await api.GET("/api/v1/agreements.csv", {
    params: { query: { country: ["AZ"] } },
    parseAs: "text",
  });
  if (csv.data === undefined) throw new Error("no CSV");

  const patched = await api.PATCH("/api/v1/agreements/{agreement_id}", {
    params: { path: { agreement_id: id }, header: { "If-Match": etag } },
    headers: { Authorization: `Bearer ${key}` },
    body: { title: `${detail.data.title} (openapi-fetch)` },
  });
  if (!patched.data) throw new Error(JSON.stringify(patched.error));
  return {
    listed: [id, ...kinds],
    detail: `${detail.data.id} ${detail.data.date_precision ?? "undated"}`,
    csv: csv.data,
    patched: patched.data.title,
  };
}

// openapi-fetch infers its options' type from the call, so an inline body (as in the tour's
// PATCH) is checked for the fields it has, not for extra ones
// (openapi-ts/openapi-typescript#2329): `satisfies` the body's type (or a variable of that
// type) makes a misspelled field a compile error.
export async function misspelled(baseUrl: string): Promise<void> {
  const api = createClient<paths>({ baseUrl });
  await api.PATCH("/api/v1/agreements/{agreement_id}", {
    params: { path: { agreement_id: "mou-energy-vn-az-2025" }, header: { "If-Match": '"..."' } },
    body: {
      title: "A field of AgreementPatch",
      // @ts-expect-error `titel` is no field of AgreementPatch: tsc must refuse it
      titel: "misspelled",
    } satisfies Patch,
  });
}
