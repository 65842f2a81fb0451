/**
 * Helpers for the tests of the analysis: a local layout root read as the
 * Spark driver reads it (conflict copies reconciled, lines capped, corrupt
 * gzip cut), for the in-memory engine; the escrowed keys of the root.
 *
 * @module
 */

import { constants, gunzipSync } from "node:zlib";
import assert from "node:assert/strict";
import { type Input, runInMemory } from "../jobs/engine/memory.ts";
import { suspiciousExec } from "../jobs/suspicious_exec.ts";

/** Files of `<root>/dt=<day>/host=*`, in the driver's order and with its reconciliation of conflict copies. */
export async function layoutInputs(root: string, day: string): Promise<Input[]> {
  const inputs: Input[] = [];
  const dayDir = `${root}/dt=${day}`;
  const dirs: string[] = [];
  try {
    for await (const h of Deno.readDir(dayDir)) {
      if (h.isDirectory && h.name.startsWith("host=")) dirs.push(h.name);
    }
  } catch {
    return [];
  }
  for (const h of dirs.sort()) {
    const names: string[] = [];
    for await (const f of Deno.readDir(`${dayDir}/${h}`)) {
      if (f.isFile && !/^[._]/.test(f.name)) names.push(f.name);
    }
    const host = decodeURIComponent(h.slice(5));
    for (const name of names.sort()) {
      const bytes = await Deno.readFile(`${dayDir}/${h}/${name}`);
      const m = /^(.*)\.conflict-([^.]+)(\..*)?$/.exec(name);
      let conflict: string | undefined;
      if (m) {
        const orig = `${m[1]}${m[3] ?? ""}`;
        const same = names.includes(orig) &&
          (await Deno.readFile(`${dayDir}/${h}/${orig}`)).join() === bytes.join();
        if (same) continue;
        conflict = m[2];
      }
      let raw: Uint8Array;
      let error: string | undefined;
      try {
        raw = name.endsWith(".gz") ? gunzipSync(bytes) : bytes;
      } catch (e) {
        // what a streaming reader gets before the error
        raw = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
        error = (e as Error).message;
      }
      const text = new TextDecoder().decode(raw);
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      inputs.push({ host, file: name, lines, bytes: bytes.length, conflict, error });
    }
  }
  return inputs;
}

/** Escrowed keys of a layout root: host -> [file name, text][] (the driver's `key` events). */
export async function layoutKeys(root: string): Promise<Record<string, [string, string][]>> {
  const out: Record<string, [string, string][]> = {};
  try {
    for await (const h of Deno.readDir(`${root}/_keys`)) {
      if (!h.name.startsWith("host=")) continue;
      const host = decodeURIComponent(h.name.slice(5));
      for await (const f of Deno.readDir(`${root}/_keys/${h.name}`)) {
        if (f.isFile && !/^[._]/.test(f.name)) {
          (out[host] ??= []).push([
            f.name,
            await Deno.readTextFile(`${root}/_keys/${h.name}/${f.name}`),
          ]);
        }
      }
    }
  } catch {
    // no keys
  }
  for (const k of Object.values(out)) k.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

/** The seed job's rows over a local layout root, in memory. */
export async function inMemory(root: string, day: string, threshold: number) {
  const r = runInMemory([suspiciousExec({ threshold })], await layoutInputs(root, day), { day });
  return {
    rows: r.tables.get("suspicious_exec")! as { parent: string; command: string; count: number }[],
  };
}

/** A suspicious_exec CSV, as rows. */
export async function csvRows(csv: string) {
  const [header, ...lines] = (await Deno.readTextFile(csv)).trim().split("\n");
  assert.equal(header, "parent,command,count");
  return lines.map((l) => {
    const [parent, command, count] = l.split(",");
    return { parent, command, count: Number(count) };
  });
}

/** The order of the CSV's rows: by (parent, command) bytes. */
export const byKey = (
  a: { parent: string; command: string },
  b: { parent: string; command: string },
) =>
  a.parent < b.parent
    ? -1
    : a.parent > b.parent
    ? 1
    : a.command < b.command
    ? -1
    : a.command > b.command
    ? 1
    : 0;
