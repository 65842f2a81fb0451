/**
 * Helpers for the tests of the analysis: the in-memory engine over a layout root, the job's CSV.
 *
 * @module
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { runInMemory } from "../jobs/engine/memory.ts";
import { suspiciousExec } from "../jobs/suspicious_exec.ts";

/** The in-memory engine over a local layout root. */
export async function inMemory(root: string, day: string, threshold: number) {
  const inputs = [];
  for await (const h of Deno.readDir(`${root}/dt=${day}`)) {
    for await (const f of Deno.readDir(`${root}/dt=${day}/${h.name}`)) {
      const text = new TextDecoder().decode(
        gunzipSync(await Deno.readFile(`${root}/dt=${day}/${h.name}/${f.name}`)),
      );
      inputs.push({ host: decodeURIComponent(h.name.slice(5)), lines: text.split("\n") });
    }
  }
  return runInMemory(suspiciousExec({ threshold }), inputs, { day });
}

/** The CSV written by the job, as rows. */
export async function csvRows(csv: string) {
  const [header, ...lines] = (await Deno.readTextFile(csv)).trim().split("\n");
  assert.equal(header, "parent,command,count");
  return lines.map((l) => {
    const [parent, command, count] = l.split(",");
    return { parent, command, count: Number(count) };
  });
}

/** The order of the job's CSV rows: by (parent, command). */
export const byKey = (
  a: { parent: string; command: string },
  b: { parent: string; command: string },
) => JSON.stringify([a.parent, a.command]) < JSON.stringify([b.parent, b.command]) ? -1 : 1;
