import assert from "node:assert/strict";
import { readReportInput, REPORT_TABLES, runReportSide } from "./report_side.ts";
import { REPORT_COUNTERS, REPORT_DROPPED, REPORT_NOTE, REPORT_ROW } from "./protocol.ts";
import { describe, makeJobs } from "../mod.ts";

Deno.test("readReportInput() reads rows, dropped counts, counters and notes", () => {
  const input = readReportInput([
    `${REPORT_ROW}coverage\t${JSON.stringify({ host: "a\tb", verdict: "silent" })}`,
    `${REPORT_ROW}coverage\t${JSON.stringify({ host: "c", verdict: "complete" })}`,
    `${REPORT_DROPPED}coverage\t7`,
    `${REPORT_COUNTERS}${JSON.stringify({ "input/records": 12 })}`,
    `${REPORT_NOTE}${JSON.stringify("side input x: none")}`,
    "junk",
  ], "2026-11-27");
  assert.deepEqual(input.tables.coverage.map((r) => r.host), ["a\tb", "c"]);
  assert.deepEqual(input.dropped, { coverage: 7 });
  assert.deepEqual(input.counters, [["input/records", 12]]);
  assert.deepEqual(input.notes, ["side input x: none"]);
});

Deno.test("runReportSide() writes one page; a table that ran with no rows is empty, not absent", () => {
  let page = "";
  runReportSide(
    [`${REPORT_ROW}coverage\t${JSON.stringify({ host: "<b>x</b>", verdict: "silent" })}`],
    (t) => (page += t),
    "2026-11-27",
    ["coverage", "sigma_matches"],
  );
  assert.match(page, /^<!DOCTYPE html>/i);
  assert.ok(page.includes("&lt;b&gt;x&lt;/b&gt;"));
  assert.ok(!page.includes("<b>x</b>"));
});

Deno.test("describe() hands the driver the report's tables of the run, with their limits", () => {
  const d = describe(makeJobs(["events", "coverage"]));
  assert.deepEqual(d.report, { coverage: REPORT_TABLES.coverage });
});
