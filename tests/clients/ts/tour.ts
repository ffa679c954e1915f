// What each client's tour of the API brings back, for the test to compare with the server.
export type Tour = {
  listed: string[]; // the first agreement's id, then each listed agreement's kind
  detail: string; // "<id> <date precision>"
  csv: string; // the CSV download, as text
  patched: string; // the title the PATCH answered (the title read, with the client's name)
};
