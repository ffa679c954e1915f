// Runs each compiled page's tour against a live server: node run.mjs <base URL> <write key>
import * as openapiFetch from "./js/openapi-fetch.js";
import * as heyApi from "./js/hey-api.js";

const [baseUrl, key] = process.argv.slice(2);
const tours = {
  "openapi-fetch": await openapiFetch.tour(baseUrl, key),
  "hey-api": await heyApi.tour(baseUrl, key),
};
console.log(JSON.stringify(tours));
