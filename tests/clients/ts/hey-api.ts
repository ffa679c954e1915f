// The same page with @hey-api/openapi-ts: its SDK (hey-api/, generated at its defaults) and the
// fetch client it bundles.
import {
  type AgreementKind,
  type AgreementPatch,
  exportAgreementsCsv,
  getAgreement,
  listAgreements,
  updateAgreement,
} from "./hey-api/index.js";
import { client } from "./hey-api/client.gen.js";
import type { Tour } from "./tour.js";

export async function tour(baseUrl: string, key: string): Promise<Tour> {
  client.setConfig({ baseUrl, auth: () => key });
  const listed = await listAgreements({
    query: { country: ["AZ"], sector: ["energy"], sort: "-date" },
  });
  if (listed.error || !listed.data) throw new Error(JSON.stringify(listed.error));
  const id: string = listed.data.items[0].id;
  const kinds: AgreementKind[] = listed.data.items.map((item) => item.kind);

  const detail = await getAgreement({ path: { agreement_id: id } });
  const etag = detail.response.headers.get("ETag");
  if (!detail.data || !etag) throw new Error(`no agreement ${id}`);

  const csv = await exportAgreementsCsv({ query: { country: ["AZ"] } });
  if (typeof csv.data !== "string") throw new Error("no CSV");

  const patch: AgreementPatch = { title: `${detail.data.title} (hey-api)` };
  const patched = await updateAgreement({
    path: { agreement_id: id },
    headers: { "If-Match": etag },
    body: patch,
  });
  if (!patched.data) throw new Error(JSON.stringify(patched.error));
  return {
    listed: [id, ...kinds],
    detail: `${detail.data.id} ${detail.data.date_precision ?? "undated"}`,
    csv: csv.data,
    patched: patched.data.title,
  };
}

export async function misspelled(): Promise<void> {
  await updateAgreement({
    path: { agreement_id: "mou-energy-vn-az-2025" },
    headers: { "If-Match": '"..."' },
    body: {
      title: "A field of AgreementPatch",
      // @ts-expect-error `titel` is no field of AgreementPatch: tsc must refuse it
      titel: "misspelled",
    },
  });
}
