/**
 * What the report is made from ({@link ReportInput}) and typed reads of its
 * rows: a column may be missing, null or of another JSON type than expected
 * (the report shows what there is and never throws on a row).
 *
 * @module
 */

import type { Json } from "../job.ts";

export type { Json };

/** A row as the job API emits it. */
export type Row = Record<string, Json>;

/** Everything one day's page is made from. */
export interface ReportInput {
  /** the analysed UTC day, "2026-11-27" */
  day: string;
  /**
   * rows per table, as the job API emits them (timestamps = ns decimal strings, longs
   * number|string, arrays as JSON arrays); a table absent = its job did not run (the page says so)
   */
  tables: Record<string, Row[]>;
  /** rows dropped per table (the engine caps what it hands the report); absent = none */
  dropped?: Record<string, number>;
  /** "group/name", value */
  counters: [string, number][];
  /** the run's notes (missing side inputs, ...) */
  notes: string[];
}

/** The column as text: strings as they are, numbers and booleans as JSON, else null. */
export function str(row: Row, col: string): string | null {
  const v = row[col];
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

/** The column as a number (longs may be decimal strings), else null. */
export function num(row: Row, col: string): number | null {
  const v = row[col];
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

/** The column as a boolean (also "true"/"false" text), else null. */
export function bool(row: Row, col: string): boolean | null {
  const v = row[col];
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  return null;
}

/** A timestamp column (ns since the epoch, number or decimal string) as a bigint, else null. */
export function ns(row: Row, col: string): bigint | null {
  const v = row[col];
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  return null;
}

/** An array column as strings (elements that are not text are skipped; JSON array text accepted). */
export function strs(row: Row, col: string): string[] {
  let v: Json | undefined = row[col];
  if (typeof v === "string" && v.startsWith("[")) {
    try {
      v = JSON.parse(v) as Json;
    } catch {
      return [v as string];
    }
  }
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is string => typeof x === "string");
}
