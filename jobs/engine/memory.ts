/**
 * The in-memory engine: runs a job over lines in this process, for unit tests
 * and tiny inputs. Each input (a file) is one map task: its output is
 * combined (when the job has a combiner) before the shuffle, as on Spark.
 * Keys are grouped and sorted by their JSON text, as the Spark engine does.
 *
 * @module
 */

import { CounterMap, type Job, type Json } from "../job.ts";
import { decodeInput } from "./input.ts";

/** One input file: its host and its lines (without "\n"). */
export interface Input {
  host: string;
  lines: Iterable<string>;
}

/** Rows (in key order) and counters of a run. */
export interface Result<R> {
  rows: R[];
  counters: CounterMap;
}

/** Runs `job` over `inputs`; `day` keeps only that UTC day's records. */
export function runInMemory<K extends Json, V extends Json, R>(
  job: Job<K, V, R>,
  inputs: Iterable<Input>,
  options: { day?: string } = {},
): Result<R> {
  const counters = new CounterMap();
  const ctx = { counters };
  const groups = new Map<string, { key: K; values: V[] }>();
  for (const input of inputs) {
    const local = new Map<string, { key: K; values: V[] }>();
    const emit = (key: K, value: V) => addToGroup(local, key, value);
    for (const line of input.lines) {
      const r = decodeInput(input.host, line, options.day, counters);
      if (r) job.map(r, emit, ctx);
    }
    for (const [k, g] of local) {
      if (job.combine) {
        job.combine(g.key, g.values, (key, value) => addToGroup(groups, key, value), ctx);
      } else for (const v of g.values) addToGroup(groups, g.key, v);
      local.delete(k);
    }
  }
  const rows: R[] = [];
  for (const k of [...groups.keys()].sort(compareText)) {
    const g = groups.get(k)!;
    job.reduce(g.key, g.values, (row) => rows.push(row), ctx);
  }
  return { rows, counters };
}

/** Appends `value` to `key`'s group (grouped by the key's JSON text). */
export function addToGroup<K extends Json, V extends Json>(
  m: Map<string, { key: K; values: V[] }>,
  key: K,
  value: V,
): void {
  const k = JSON.stringify(key);
  const g = m.get(k);
  if (g) g.values.push(value);
  else m.set(k, { key, values: [value] });
}

/** UTF-16 code unit order: the order of Java's String.compareTo, used by Spark's sort. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
