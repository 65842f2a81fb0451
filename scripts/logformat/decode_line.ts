/**
 * One line -> one record, through the kind registry (registry.ts).
 *
 * @module
 */

import { decodeSeed } from "./exec.ts";
import {
  type BadLine,
  badLine,
  hasEndMark,
  MAX_LINE_BYTES,
  splitFields,
  utf8Length,
} from "./fields.ts";
import { type AuditRecord, recordKind } from "./registry.ts";

/**
 * Decodes one line (without its "\n"). Never throws: a line that is not a
 * valid record comes back as a BadLine saying why.
 */
export function decodeLine(line: string): AuditRecord | BadLine {
  // a UTF-16 unit is 1..3 bytes: count the bytes only when it may matter
  if (line.length * 3 > MAX_LINE_BYTES) {
    const bytes = line.length > MAX_LINE_BYTES ? line.length : utf8Length(line);
    if (bytes > MAX_LINE_BYTES) {
      return badLine(
        "line_too_long",
        `line of ${
          line.length > MAX_LINE_BYTES ? "over " : ""
        }${bytes} bytes (at most ${MAX_LINE_BYTES})`,
      );
    }
  }
  const f = splitFields(line);
  const t = f[0];
  try {
    if (/^[A-Z]\d+$/.test(t)) {
      // the version is a plain decimal: "E01" is not "E1"
      if (t.length > 2 && t[1] === "0") {
        return badLine("malformed", `record type "${t}" has a version with a leading zero`);
      }
      const kind = recordKind(t[0]);
      if (!kind) return badLine("unknown-kind", `unknown record type "${t}"`);
      const version = Number(t.slice(1));
      if (!kind.versions.includes(version)) {
        return badLine(
          "unknown-version",
          `record type ${t[0]} version ${version} is not known to this reader (${
            kind.versions.join(", ")
          })`,
        );
      }
      if (!hasEndMark(f)) return badLine("torn", "line has no end mark (cut short)");
      return kind.decode(f, version);
    }
    if (f.length === 7 && /^\d+$/.test(t)) return decodeSeed(f);
    return badLine("malformed", `not an audit record: "${line.slice(0, 40)}"`);
  } catch (e) {
    return badLine("malformed", (e as Error).message);
  }
}
