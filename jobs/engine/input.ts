/**
 * The input side shared by every engine: a raw log line and its origin
 * become a decoded record, or a counted reason why not.
 *
 * @module
 */

import { decodeLine } from "../../scripts/logformat/mod.ts";
import type { Counters, HostedBadLine, HostedRecord, Origin } from "../job.ts";

/**
 * Decodes one line. `day` ("2026-11-27"), when given, keeps only records
 * whose UTC time falls in that day. Counters: input/records, input/<reason>
 * of {@link HostedBadLine} (torn, unknown-version, malformed, outside_day, ...).
 */
export function decodeInput(
  origin: Origin,
  line: string,
  day: string | undefined,
  counters: Counters,
): HostedRecord | HostedBadLine {
  const r = decodeLine(line);
  if (r.type === "bad") {
    counters.inc("input", r.reason);
    return { ...r, ...origin };
  }
  if (day !== undefined && r.time.slice(0, 10) !== day) {
    counters.inc("input", "outside_day");
    return {
      type: "bad",
      reason: "outside_day",
      detail: `record time ${r.time || r.time_ns} is not in ${day}`,
      time_ns: r.time_ns,
      record: r,
      ...origin,
    };
  }
  counters.inc("input", "records");
  return Object.assign(r, origin);
}
