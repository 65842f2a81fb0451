/**
 * The in-memory engine: runs jobs over inputs in this process, for unit
 * tests and small inputs, and the reference the Spark engine is tested
 * against. It drives the same map and reduce runners as the Spark engine;
 * each host's files are one map task (combined before the shuffle, as on
 * Spark), keys are sorted by their text, steps run in order.
 *
 * @module
 */

import { CounterMap, type Job, type Json } from "../job.ts";
import { MapRunner } from "./map_runner.ts";
import { compareText, reduceLines } from "./reduce_runner.ts";
import { KV, ROW } from "./protocol.ts";

/** One input file: its host, name and lines (without "\n"). */
export interface Input {
  host: string;
  /** @default "<host>.log" */
  file?: string;
  lines: Iterable<string>;
  /** @default 0 */
  bytes?: number;
  /** a conflict copy whose bytes differ: its hash */
  conflict?: string;
  /** why the file was cut (corrupt gzip), after its lines */
  error?: string;
}

/** Options of {@link runInMemory}. */
export interface MemoryOptions {
  /** keep only this UTC day's records */
  day?: string;
  /** side-input rows: "<job>.<input>" -> rows */
  sides?: Record<string, Record<string, Json>[]>;
  /** escrowed chain keys: host -> [file name, text][] */
  keys?: Record<string, [string, string][]>;
  /** lines longer than this (UTF-8 bytes) are skipped as the Spark reader does. @default none */
  maxLineBytes?: number;
}

/** Rows per table (in output order) and the counters. */
export interface MemoryResult {
  tables: Map<string, Record<string, Json>[]>;
  counters: CounterMap;
}

/** Runs `jobs` over `inputs`. */
export function runInMemory(
  jobs: readonly Job[],
  inputs: Iterable<Input>,
  o: MemoryOptions = {},
): MemoryResult {
  const counters = new CounterMap();
  const tables = new Map<string, Record<string, Json>[]>();
  for (const j of jobs) for (const t of j.tables) tables.set(t.name, []);
  let kv: string[] = [];
  const take = (line: string) => {
    if (line.startsWith(KV)) kv.push(line.slice(1));
    else if (line.startsWith(ROW)) {
      const tab = line.indexOf("\t");
      tables.get(line.slice(1, tab))!.push(JSON.parse(line.slice(tab + 1)));
    }
  };
  const task = (fill: (m: MapRunner) => void) => {
    const m = new MapRunner(jobs, o.day, take);
    fill(m);
    m.end();
    counters.merge(m.counters.values);
  };
  if (o.sides) {
    task((m) => {
      for (const [name, rows] of Object.entries(o.sides!)) {
        const dot = name.indexOf(".");
        for (const r of rows) m.side(name.slice(0, dot), name.slice(dot + 1), r);
      }
    });
  }
  const byHost = new Map<string, Input[]>();
  for (const i of inputs) byHost.set(i.host, [...(byHost.get(i.host) ?? []), i]);
  const enc = new TextEncoder();
  for (const host of [...byHost.keys()].sort(compareText)) {
    const files = byHost.get(host)!.map((i) => ({ ...i, file: i.file ?? `${host}.log` }))
      .sort((a, b) => compareText(a.file, b.file));
    task((m) => {
      for (const [file, text] of o.keys?.[host] ?? []) m.file({ kind: "key", host, file, text });
      for (const f of files) {
        m.file({ kind: "start", host, file: f.file, bytes: f.bytes ?? 0, conflict: f.conflict });
        let n = 0;
        for (const l of f.lines) {
          n++;
          if (
            o.maxLineBytes !== undefined && l.length > o.maxLineBytes / 3 &&
            enc.encode(l).length > o.maxLineBytes
          ) m.tooLong(enc.encode(l).length);
          else m.line(l);
        }
        m.file({ kind: "end", host, file: f.file, lines: n, error: f.error });
      }
    });
  }
  for (let step = 0; kv.length; step++) {
    const prefix = `${step}:`;
    const now = kv.filter((l) => l.startsWith(prefix));
    const later = kv.filter((l) => !l.startsWith(prefix));
    kv = later;
    now.sort((a, b) => compareText(a.slice(0, a.indexOf("\t")), b.slice(0, b.indexOf("\t"))));
    reduceLines(jobs, now[Symbol.iterator](), take, counters, o.day);
  }
  return { tables, counters };
}
