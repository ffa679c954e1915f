// A frontend page as a developer writes it with the npm standard: types from
// openapi-typescript, the default openapi-fetch client (no media-type argument).
import createClient from "openapi-fetch";
import type { components, paths } from "./build/schema";

type Agreement = components["schemas"]["AgreementOut"];
type Kind = components["schemas"]["AgreementKind"];

export async function energyAgreementsOfAzerbaijan(baseUrl: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const { data, error } = await api.GET("/api/v1/agreements", {
    params: { query: { country: ["AZ"], sector: ["energy"], sort: "-date" } },
  });
  if (error) {
    // A problem+json document, typed: each item names its parameter and location.
    const where: string[] = (error.errors ?? []).map((e) => `${e.location} ${e.parameter}`);
    throw new Error(`${error.title}: ${where.join(", ")}`);
  }
  const first: string = data.items[0].id;
  const kinds: Kind[] = data.items.map((item: Agreement) => item.kind);
  return [first, ...kinds];
}

export async function oneAgreement(baseUrl: string, id: string): Promise<string> {
  const api = createClient<paths>({ baseUrl });
  const { data } = await api.GET("/api/v1/agreements/{agreement_id}", {
    params: { path: { agreement_id: id } },
  });
  return data ? `${data.id} ${data.date_precision ?? "undated"}` : "not found";
}
