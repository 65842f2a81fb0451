/**
 * The job API: a job is plain TypeScript, pure functions over decoded audit
 * records (every log format version, host attached). Engines (in memory, or
 * Spark through `jobs/engine/stream.ts`) only move data between them.
 *
 *   map(record, emit, ctx)            -> emit(key, value) zero or more times
 *   combine?(key, values, emit, ctx)  -> partial reduce on the map side
 *   reduce(key, values, emit, ctx)    -> emit(row) zero or more times
 *
 * Keys and values must survive JSON (the engines serialise them); keys are
 * grouped and sorted by their JSON text.
 *
 * @module
 */

import type { AuditRecord } from "../scripts/logformat/mod.ts";

/** A decoded record and the host it came from (from the shipper's `host=` directory). */
export type HostedRecord = AuditRecord & { host: string };

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Column types of an output table (Spark SQL names). */
export type ColumnType = "string" | "long" | "double" | "boolean" | "timestamp";

/** One output column. */
export interface Column {
  name: string;
  type: ColumnType;
  /** shown in reports */
  description?: string;
}

/** Counters, summed over the whole run and printed at the end. */
export interface Counters {
  /** adds `by` (default 1) to `group/name` */
  inc(group: string, name: string, by?: number): void;
}

/** What a job's functions get besides the data. */
export interface JobContext {
  counters: Counters;
}

/** A map/reduce job. */
export interface Job<K extends Json = Json, V extends Json = Json, R = Record<string, Json>> {
  /** table name: lower_snake_case */
  readonly name: string;
  readonly description: string;
  /** output columns, in order; rows are objects with these keys */
  readonly schema: readonly Column[];
  map(record: HostedRecord, emit: (key: K, value: V) => void, ctx: JobContext): void;
  combine?(key: K, values: V[], emit: (key: K, value: V) => void, ctx: JobContext): void;
  reduce(key: K, values: V[], emit: (row: R) => void, ctx: JobContext): void;
}

/** A job with its parameters applied (`--param name=value`). */
export type JobFactory = (params: Record<string, string>) => Job;

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
