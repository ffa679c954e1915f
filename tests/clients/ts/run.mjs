// Runs the compiled page against a live server: node run.mjs <base URL>
import { energyAgreementsOfAzerbaijan, oneAgreement } from "./build/js/page.js";

const baseUrl = process.argv[2];
const listed = await energyAgreementsOfAzerbaijan(baseUrl);
const detail = await oneAgreement(baseUrl, listed[0]);
console.log(JSON.stringify({ listed, detail }));
