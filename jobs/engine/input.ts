/**
 * The input side shared by every engine: a raw log line and its host become
 * a decoded record, or a counted reason why not (torn, unknown version,
 * malformed, outside the day).
 *
 * @module
 */

import { decodeLine } from "../../scripts/logformat/mod.ts";
import type { Counters, HostedRecord } from "../job.ts";

/**
 * Decodes one line. `day` ("2026-11-27"), when given, keeps only records
 * whose UTC time falls in that day. Counters: input/records,
 * input/torn, input/unknown-version, input/malformed, input/outside_day.
 */
export function decodeInput(
  host: string,
  line: string,
  day: string | undefined,
  counters: Counters,
): HostedRecord | null {
  if (line === "") return null;
  const r = decodeLine(line);
  if (r.type === "bad") {
    counters.inc("input", r.reason);
    return null;
  }
  if (day !== undefined && r.time.slice(0, 10) !== day) {
    counters.inc("input", "outside_day");
    return null;
  }
  counters.inc("input", "records");
  return Object.assign(r, { host });
}
