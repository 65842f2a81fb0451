/**
 * The Spark side of the engine: the map and reduce loops of the Deno
 * process the driver pipes each partition through (protocol.ts), reading
 * stdin and writing stdout synchronously (a reducer's Iterable of values
 * pulls lines from stdin as it goes).
 *
 * @module
 */

import type { Job, Json } from "../job.ts";
import { MapRunner } from "./map_runner.ts";
import { reduceLines } from "./reduce_runner.ts";
import { COUNTERS_PREFIX, END, FILE, KEY, KV, LONG, safeDecode, SIDE } from "./protocol.ts";

/** Something with a synchronous read, like Deno.stdin. */
export interface SyncReader {
  readSync(p: Uint8Array): number | null;
}
/** Something with a synchronous write, like Deno.stdout. */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
}

/**
 * Lines of a reader (without "\n"; a last line without one too). Linear in
 * the input: LF is searched in each new chunk only. The driver caps lines,
 * so a line here fits in memory.
 */
export function* syncLines(r: SyncReader, chunkSize = 1 << 16): Generator<string> {
  const dec = new TextDecoder();
  const buf = new Uint8Array(chunkSize);
  let parts: Uint8Array[] = [];
  for (;;) {
    const n = r.readSync(buf);
    if (n === null || n === 0) break;
    const view = buf.subarray(0, n);
    let start = 0;
    for (let i = view.indexOf(10, 0); i >= 0; i = view.indexOf(10, start)) {
      const piece = view.subarray(start, i);
      if (parts.length) {
        parts.push(piece);
        yield dec.decode(join(parts));
        parts = [];
      } else yield dec.decode(piece);
      start = i + 1;
    }
    if (start < n) parts.push(view.slice(start));
  }
  if (parts.length) yield dec.decode(join(parts));
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Buffered line output to a writer. */
export class LineWriter {
  readonly #enc = new TextEncoder();
  #buf: string[] = [];
  #size = 0;
  constructor(readonly w: SyncWriter) {}
  write = (line: string): void => {
    this.#buf.push(line);
    this.#size += line.length + 1;
    if (this.#size > 1 << 18) this.flush();
  };
  flush(): void {
    if (!this.#buf.length) return;
    this.#buf.push("");
    const b = this.#enc.encode(this.#buf.join("\n"));
    this.#buf = [];
    this.#size = 0;
    for (let o = 0; o < b.length;) o += this.w.writeSync(b.subarray(o));
  }
}

/** The map side over protocol input lines. */
export function runMapSide(
  jobs: readonly Job[],
  lines: Iterable<string>,
  out: (line: string) => void,
  day?: string,
): void {
  const m = new MapRunner(jobs, day, out);
  for (const l of lines) {
    if (l.charCodeAt(0) !== 0) {
      m.line(l);
      continue;
    }
    const f = l.split("\t");
    if (l.startsWith(FILE)) {
      m.file({
        kind: "start",
        host: safeDecode(f[1]),
        file: safeDecode(f[2]),
        bytes: Number(f[3]),
        conflict: f[4] && f[4] !== "-" ? f[4] : undefined,
      });
    } else if (l.startsWith(END)) {
      m.file({
        kind: "end",
        host: safeDecode(f[1]),
        file: safeDecode(f[2]),
        lines: Number(f[3]),
        error: f[4] && f[4] !== "-" ? safeDecode(f[4]) : undefined,
      });
    } else if (l.startsWith(LONG)) m.tooLong(Number(f[1]));
    else if (l.startsWith(KEY)) {
      m.file({
        kind: "key",
        host: safeDecode(f[1]),
        file: safeDecode(f[2]),
        text: new TextDecoder().decode(Uint8Array.from(atob(f[3] ?? ""), (c) => c.charCodeAt(0))),
      });
    } else if (l.startsWith(SIDE)) {
      m.side(f[1], f[2], JSON.parse(f.slice(3).join("\t")) as Record<string, Json>);
    } else m.counters.inc("input", "bad_markers");
  }
  m.end();
  out(COUNTERS_PREFIX + JSON.stringify(Object.fromEntries(m.counters.values)));
}

/** The reduce side over sorted K lines (with their leading "K"). */
export function runReduceSide(
  jobs: readonly Job[],
  lines: Iterable<string>,
  out: (line: string) => void,
  day?: string,
): void {
  const it = lines[Symbol.iterator]();
  const stripped: Iterator<string> = {
    next: () => {
      for (;;) {
        const r = it.next();
        if (r.done) return r;
        if (r.value.startsWith(KV)) return { done: false, value: r.value.slice(1) };
      }
    },
  };
  const counters = reduceLines(jobs, stripped, out, undefined, day);
  out(COUNTERS_PREFIX + JSON.stringify(Object.fromEntries(counters.values)));
}
