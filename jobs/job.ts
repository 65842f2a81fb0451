/**
 * The job API (v2): a job is plain TypeScript, pure functions over decoded
 * audit records (every log format version, host attached). Engines (in
 * memory, or Spark through `jobs/engine/stream.ts`) only move data between
 * them; every selected job runs over one decode of the day (fused map side).
 *
 *   map(record, out, ctx)              out.emit(key, value[, step]) -> a reduce step
 *   line?(text, origin, out, ctx)      every raw line, before its decode (jobs that need the bytes)
 *                                      out.row(table, row)          -> a table, straight from the map side
 *   file?(event, out, ctx)             a file of the day starts / ends, a chain key (engine markers)
 *   side?(input, row, out, ctx)        rows of a side input (a table of an earlier day)
 *   steps[i].combine?(key, values, emit, ctx)   partial reduce on the map side (step 0 only)
 *   steps[i].reduce(key, values, out, ctx)      values: an Iterable, read once, never an array in memory
 *                                      out.row(table, row); out.emit(key, value) -> step i + 1
 *
 * Keys and values must survive JSON (the engines serialise them); keys are
 * grouped and sorted by their JSON text (UTF-16 order, as Java sorts).
 *
 * Row values, by column type (what a job emits; the engines convert):
 * - string: a JS string; code units U+DC80..U+DCFF are raw bytes 0x80..0xFF
 *   (text_bytes.ts), written to Parquet as those exact bytes
 * - int, long: a number, or a decimal string (longs beyond 2^53)
 * - double, boolean: as in JSON
 * - timestamp: ns since the epoch as a decimal string (Parquet keeps µs)
 * - binary: base64 text
 * - array<...>: a JSON array of the element type's values; null for null
 *
 * @module
 */

import type { AuditRecord, BadLine } from "../scripts/logformat/mod.ts";

/** Where a record came from: the host (from the layout's `host=` directory), the file and line. */
export interface Origin {
  host: string;
  /** the file's name (no directory) */
  file: string;
  /** 1-based line number in the file */
  line: number;
}

/** A decoded record with its origin. */
export type HostedRecord = AuditRecord & Origin;

/**
 * A line no job gets as a record, with its origin and why: `torn`,
 * `unknown-version`, `unknown-kind`, `malformed` (the codec's reasons),
 * `line_too_long` (over the cap, not read), `outside_day` (a good record
 * whose time is not in the analysed day: `time_ns` says when).
 */
export interface HostedBadLine extends Origin {
  type: "bad";
  reason: BadLine["reason"] | "outside_day";
  detail: string;
  time_ns?: string;
  /** the record, for `outside_day` */
  record?: AuditRecord;
}

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Column types of an output table (Spark SQL names). */
export type ColumnType =
  | "string"
  | "int"
  | "long"
  | "double"
  | "boolean"
  | "timestamp"
  | "binary"
  | "array<string>"
  | "array<binary>"
  | "array<long>";

/** One output column. */
export interface Column {
  name: string;
  type: ColumnType;
  /** shown in reports and docs */
  description?: string;
}

/** An output table. */
export interface Table {
  /** lower_snake_case; the directory `<output>/<name>/dt=D/` */
  readonly name: string;
  readonly description: string;
  readonly columns: readonly Column[];
  /** also written as `<output>/<name>-D.csv` (small tables only). @default false */
  readonly csv?: boolean;
  /** rows clustered by these columns inside the day (Parquet statistics prune by them). @default none */
  readonly clusterBy?: readonly string[];
}

/** A declared job parameter (`--param <job>.<name>=value`). */
export interface Param {
  readonly description: string;
  /** shown in --help; the job applies it */
  readonly default?: string;
  /** the value is a local file the job reads: the engine ships it to the executors */
  readonly file?: boolean;
  /**
   * the value is local directories (comma-separated, `default` when absent) whose files named
   * `*<exts>` the job reads: the engine packs them into one file (jobs/param_files.ts) and ships it like a file
   */
  readonly dirs?: { readonly exts: readonly string[] };
}

/**
 * A side input: a table of an earlier day, read by the engine and handed to
 * `side()` row by row before (Spark: beside) the day's records. A missing day
 * is a note (`side/<job>.<name>_missing`), not a failure.
 */
export interface SideInput {
  /** the name `side()` is called with */
  readonly name: string;
  /** the table (an output table of this project, `<output>/<table>/dt=...`) */
  readonly table: string;
  /** days before the analysed day (1 = the previous day) */
  readonly daysBack: number;
  /** the columns handed over (rows hold only these; longs and timestamps as decimal strings) */
  readonly columns: readonly string[];
}

/** Counters, summed over the whole run and printed at the end. */
export interface Counters {
  /** adds `by` (default 1) to `group/name` */
  inc(group: string, name: string, by?: number): void;
}

/** What a job's functions get besides the data. */
export interface JobContext {
  counters: Counters;
  /** the analysed UTC day ("2026-11-27"), when the engine has one */
  day?: string;
}

/** Output of a map side (and of `file`, `side`). */
export interface MapOut<K extends Json = Json, V extends Json = Json> {
  /** a value for reduce step `step` (default 0) */
  emit(key: K, value: V, step?: number): void;
  /** a row of one of the job's tables */
  row(table: string, row: Record<string, Json>): void;
}

/** Output of a reduce step. */
export interface ReduceOut<K extends Json = Json, V extends Json = Json> {
  /** a value for the next step */
  emit(key: K, value: V): void;
  row(table: string, row: Record<string, Json>): void;
}

/** One shuffle and reduce. */
export interface Step<K extends Json = Json, V extends Json = Json> {
  /** map-side partial reduce (step 0 only): must emit values `reduce` accepts */
  combine?(key: K, values: V[], emit: (key: K, value: V) => void, ctx: JobContext): void;
  /** `values` are read once, in no particular order; hold what you need, not the values */
  reduce(key: K, values: Iterable<V>, out: ReduceOut, ctx: JobContext): void;
}

/** A file of the day, as the engine reads it (`file()` hook). */
export type FileEvent =
  | {
    kind: "start";
    host: string;
    file: string;
    /** stored size in bytes */
    bytes: number;
    /** a shipper conflict copy (`.conflict-<hash>` name) whose bytes differ from the original's */
    conflict?: string;
  }
  | {
    kind: "end";
    host: string;
    file: string;
    /** lines read */
    lines: number;
    /** why the rest of the file could not be read ("corrupt gzip: ..."), absent when whole */
    error?: string;
  }
  /** an escrowed chain key of the host (`<root>/_keys/host=H/<name>`), before its files */
  | { kind: "key"; host: string; file: string; text: string };

/** A map/reduce job: several steps, several tables, its own parameters and side inputs. */
export interface Job {
  /** lower_snake_case */
  readonly name: string;
  readonly description: string;
  /** every table it writes */
  readonly tables: readonly Table[];
  /** reduce steps, in order; none for a map-only job */
  readonly steps: readonly Step[];
  readonly sideInputs?: readonly SideInput[];
  /** every decoded record of the day (and, when the job wants them, the bad lines) */
  map(record: HostedRecord, out: MapOut, ctx: JobContext): void;
  /**
   * every line of a file as read (without its LF, empty lines too), before it is decoded
   * (before `map` or `bad` of that line): for jobs that need the bytes, like a hash-chain
   * verifier. Lines over the cap are not read: they come only to `bad` (`line_too_long`).
   * @default not called
   */
  line?(text: string, origin: Origin, out: MapOut, ctx: JobContext): void;
  /** lines that did not decode. @default ignored (the engine counts them) */
  bad?(line: HostedBadLine, out: MapOut, ctx: JobContext): void;
  /** file boundaries and chain keys, in the order the engine reads them (a host's files in name order) */
  file?(event: FileEvent, out: MapOut, ctx: JobContext): void;
  side?(input: string, row: Record<string, Json>, out: MapOut, ctx: JobContext): void;
  /** called once per map task after its last record (flush per-task state) */
  mapEnd?(out: MapOut, ctx: JobContext): void;
}

/** How a job is made: its parameters, and a factory taking their values. */
export interface JobSpec {
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, Param>>;
  /** values of declared parameters only (checked by {@link makeJobs}); throws RangeError on a bad value */
  create(params: Record<string, string>): Job;
}

/** Counters in a plain map: "group/name" -> value. */
export class CounterMap implements Counters {
  readonly values = new Map<string, number>();
  inc(group: string, name: string, by = 1): void {
    const k = `${group}/${name}`;
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  /** Adds another map's values. */
  merge(other: Iterable<[string, number]>): void {
    for (const [k, v] of other) this.values.set(k, (this.values.get(k) ?? 0) + v);
  }
  /** Sorted entries. */
  entries(): [string, number][] {
    return [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * `["job.name=value", ...]` -> per-job values; a RangeError naming the
 * problem for a malformed entry, an unknown job or an unknown parameter.
 */
export function parseParams(
  specs: readonly JobSpec[],
  params: readonly string[],
): Map<string, Record<string, string>> {
  const byJob = new Map(specs.map((s) => [s.name, {} as Record<string, string>]));
  for (const p of params) {
    const m = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)=(.*)$/s.exec(p);
    if (!m) throw new RangeError(`--param must be <job>.<name>=value: got "${p}"`);
    const spec = specs.find((s) => s.name === m[1]);
    if (!spec) {
      throw new RangeError(
        `--param ${m[1]}.${m[2]}: no job "${m[1]}" selected (jobs: ${
          specs.map((s) => s.name).join(", ")
        })`,
      );
    }
    if (!Object.hasOwn(spec.params, m[2])) {
      const known = Object.keys(spec.params);
      throw new RangeError(
        `--param ${m[1]}.${m[2]}: unknown parameter of ${m[1]} (${
          known.length ? `known: ${known.join(", ")}` : "it has none"
        })`,
      );
    }
    byJob.get(spec.name)![m[2]] = m[3];
  }
  return byJob;
}
