/**
 * The Hadoop Streaming contract used by the Spark driver (RDD.pipe): text
 * lines in, text lines out, one process per partition.
 *
 * Map side, input:   `<host, percent-encoded>\t<raw log line>`
 *           output:  `<key JSON>\t<value JSON>` (after the job's combiner)
 * Reduce side, input (sorted by key text): `<key JSON>\t<value JSON>`
 *           output:  one JSON object per row
 * Both sides end with one line `\u0000counters\t<JSON {"group/name": n}>`,
 * which the driver sums and prints.
 *
 * JSON text never holds a tab or a newline, so the first tab splits a line.
 *
 * @module
 */

import { CounterMap, type Job, type Json } from "../job.ts";
import { decodeInput } from "./input.ts";
import { addToGroup, compareText } from "./memory.ts";

/** Prefix of the counters line. */
export const COUNTERS_PREFIX = "\u0000counters\t";

/** Map-side buffering: combine and flush when this many keys are held. */
const MAX_KEYS = 50_000;

/** The map side over input lines; yields output lines (without "\n"). */
export async function* mapSide<K extends Json, V extends Json, R>(
  job: Job<K, V, R>,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { day?: string } = {},
): AsyncGenerator<string> {
  const counters = new CounterMap();
  const ctx = { counters };
  const held = new Map<string, { key: K; values: V[] }>();
  const out: string[] = [];
  const emit = job.combine
    ? (key: K, value: V) => addToGroup(held, key, value)
    : (key: K, value: V) => out.push(`${JSON.stringify(key)}\t${JSON.stringify(value)}`);
  const flush = function* () {
    for (const g of held.values()) {
      job.combine!(
        g.key,
        g.values,
        (key, value) => out.push(`${JSON.stringify(key)}\t${JSON.stringify(value)}`),
        ctx,
      );
    }
    held.clear();
    yield* out.splice(0);
  };
  const hostCache = new Map<string, string>();
  for await (const line of lines) {
    const tab = line.indexOf("\t");
    if (tab < 0) {
      counters.inc("input", "no_host");
      continue;
    }
    const enc = line.slice(0, tab);
    let host = hostCache.get(enc);
    if (host === undefined) {
      host = safeDecode(enc);
      hostCache.set(enc, host);
    }
    const r = decodeInput(host, line.slice(tab + 1), options.day, counters);
    if (r) job.map(r, emit, ctx);
    if (held.size >= MAX_KEYS) yield* flush();
    if (out.length) yield* out.splice(0);
  }
  yield* flush();
  yield COUNTERS_PREFIX + JSON.stringify(Object.fromEntries(counters.values));
}

/** The reduce side over key-sorted lines; yields one JSON row per line. */
export async function* reduceSide<K extends Json, V extends Json, R>(
  job: Job<K, V, R>,
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string> {
  const counters = new CounterMap();
  const ctx = { counters };
  const rows: string[] = [];
  const emit = (row: R) => rows.push(JSON.stringify(row));
  let keyText: string | undefined;
  let key: K | undefined;
  let values: V[] = [];
  for await (const line of lines) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const k = line.slice(0, tab);
    if (k !== keyText) {
      if (keyText !== undefined) {
        if (compareText(k, keyText) < 0) {
          throw new RangeError(`reduce input is not sorted: ${k} after ${keyText}`);
        }
        job.reduce(key!, values, emit, ctx);
        yield* rows.splice(0);
      }
      keyText = k;
      key = JSON.parse(k) as K;
      values = [];
    }
    values.push(JSON.parse(line.slice(tab + 1)) as V);
  }
  if (keyText !== undefined) job.reduce(key!, values, emit, ctx);
  yield* rows.splice(0);
  yield COUNTERS_PREFIX + JSON.stringify(Object.fromEntries(counters.values));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
