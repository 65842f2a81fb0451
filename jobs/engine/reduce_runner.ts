/**
 * The reduce side: K lines sorted by their shuffle key in, each key's values
 * handed to its job's step as a one-pass Iterable that reads the input as the
 * reducer goes (a group of 50 million values is never held), rows and
 * next-step values out. Shared by both engines.
 *
 * @module
 */

import { CounterMap, type Job, type JobContext, type Json, type ReduceOut } from "../job.ts";
import { KV, parseShuffleKey, ROW, shuffleKey } from "./protocol.ts";

/** UTF-16 code unit order: the order of Java's String.compareTo, used by Spark's sort. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reduces `lines` (K lines without the leading "K", i.e. `<shuffle key>\t<value>`,
 * sorted by shuffle key within this partition); `out` gets K and R lines.
 */
export function reduceLines(
  jobs: readonly Job[],
  lines: Iterator<string>,
  out: (line: string) => void,
  counters: CounterMap = new CounterMap(),
  day?: string,
): CounterMap {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const ctx: JobContext = { counters, day };
  let pending = lines.next();
  let prevKey: string | undefined;
  while (!pending.done) {
    const line = pending.value;
    const tab = line.indexOf("\t");
    if (tab < 0) {
      counters.inc("reduce", "bad_lines");
      pending = lines.next();
      continue;
    }
    const k = line.slice(0, tab);
    if (prevKey !== undefined && compareText(k, prevKey) < 0) {
      throw new RangeError(
        `reduce input is not sorted: ${k.slice(0, 80)} after ${prevKey.slice(0, 80)}`,
      );
    }
    prevKey = k;
    const sk = parseShuffleKey(k);
    const job = sk && byName.get(sk.job);
    const step = sk && job?.steps[sk.step];
    if (!sk || !job || !step) {
      throw new RangeError(`reduce input names no known job step: ${k.slice(0, 80)}`);
    }
    const key = JSON.parse(sk.keyJson) as Json;
    // the group's values: this line's, then every next line with the same key
    let first: string | undefined = line.slice(tab + 1);
    let open = true;
    const values: Iterable<Json> = {
      [Symbol.iterator]: () => ({
        next: (): IteratorResult<Json> => {
          if (first !== undefined) {
            const v = first;
            first = undefined;
            pending = lines.next();
            return { done: false, value: JSON.parse(v) };
          }
          if (!open || pending.done) return (open = false, { done: true, value: undefined });
          const l = pending.value;
          const t = l.indexOf("\t");
          if (t !== tab || !l.startsWith(k)) {
            return (open = false, { done: true, value: undefined });
          }
          pending = lines.next();
          return { done: false, value: JSON.parse(l.slice(t + 1)) };
        },
      }),
    };
    const tables = new Set(job.tables.map((t) => t.name));
    const next = sk.step + 1;
    const rout: ReduceOut = {
      emit: (key2, value) => {
        if (next >= job.steps.length) {
          throw new RangeError(
            `job ${job.name} step ${sk.step} emitted to a step it does not have`,
          );
        }
        out(`${KV}${shuffleKey(next, job.name, JSON.stringify(key2))}\t${JSON.stringify(value)}`);
      },
      row: (table, row) => {
        if (!tables.has(table)) {
          throw new RangeError(`job ${job.name} wrote a row of "${table}", not one of its tables`);
        }
        out(`${ROW}${table}\t${JSON.stringify(row)}`);
      },
    };
    step.reduce(key, values, rout, ctx);
    // values the reducer did not read are skipped
    if (first !== undefined) {
      first = undefined;
      pending = lines.next();
    }
    for (const _ of values) { /* drain */ }
  }
  return counters;
}
