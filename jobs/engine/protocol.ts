/**
 * The line protocol between the Spark driver (jobs/spark/AuditJobDriver.java)
 * and the Deno processes it pipes partitions through (Hadoop Streaming
 * style). One fact, one place: the driver's constants are pinned to these by
 * protocol_test.ts.
 *
 * Map side, input (bytes; one line each):
 *   `\0file\t<host%>\t<file%>\t<bytes>\t<conflict|->`   a file starts; its lines follow
 *   `<raw log line>`                                     a line of the current file
 *   `\0long\t<bytes>`                                    a line over the cap, not sent
 *   `\0end\t<host%>\t<file%>\t<lines>\t<error%|->`       the file ends (error: why it was cut)
 *   `\0key\t<host%>\t<file%>\t<base64 of the key file>`  an escrowed chain key, before the host's files
 *   `\0side\t<job>\t<input>\t<row JSON>`                 a side-input row
 * (`%`: percent-encoded, as in the layout.) A data line never starts with NUL
 * (the log's field escape writes it as `\x00`).
 *
 * Map side, output, and reduce side, input and output:
 *   `K<step>:<job>:<key JSON>\t<value JSON>`  a value for reduce step <step> of <job>
 *   `R<table>\t<row JSON>`                    a row of a table
 *   `\0counters\t<JSON {"group/name": n}>`    last line of every process
 * The driver shuffles K lines of one step by the text before the tab, sorts
 * them within partitions, and pipes them to the reduce side, which may emit
 * K lines of the next step; R lines of every side are the tables' rows.
 * JSON text never holds a tab or a newline, so the first tab splits a line.
 *
 * @module
 */

export const FILE = "\0file\t";
export const LONG = "\0long\t";
export const END = "\0end\t";
export const KEY = "\0key\t";
export const SIDE = "\0side\t";
export const COUNTERS_PREFIX = "\0counters\t";
export const KV = "K";
export const ROW = "R";

/** A K line's shuffle key: `<step>:<job>:<key JSON>`. */
export function shuffleKey(step: number, job: string, keyJson: string): string {
  return `${step}:${job}:${keyJson}`;
}

/** `<step>:<job>:<key JSON>` -> its parts; null when malformed. */
export function parseShuffleKey(k: string): { step: number; job: string; keyJson: string } | null {
  const a = k.indexOf(":");
  const b = a < 0 ? -1 : k.indexOf(":", a + 1);
  if (b < 0) return null;
  const step = Number(k.slice(0, a));
  if (!Number.isInteger(step) || step < 0) return null;
  return { step, job: k.slice(a + 1, b), keyJson: k.slice(b + 1) };
}

/** Percent-decoding that never throws (a bad escape stays as it is). */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The report side's input (the driver, after the tables are written):
 * `T<table>\t<row JSON>` rows of a table the report reads (at most its
 * limit, jobs/engine/report_side.ts), `D<table>\t<n>` rows left out,
 * `C<counters JSON>` the run's counters, `N<note JSON string>` a note.
 * Its stdout is the HTML page.
 */
export const REPORT_ROW = "T";
export const REPORT_DROPPED = "D";
export const REPORT_COUNTERS = "C";
export const REPORT_NOTE = "N";
