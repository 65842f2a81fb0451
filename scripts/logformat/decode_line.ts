/**
 * One line -> one record, through the kind registry (registry.ts).
 *
 * @module
 */

import { decodeSeed } from "./exec.ts";
import { type BadLine, badLine, hasEndMark, splitFields } from "./fields.ts";
import { type AuditRecord, recordKind } from "./registry.ts";

/**
 * Decodes one line (without its "\n"). Never throws: a line that is not a
 * valid record comes back as a BadLine saying why.
 */
export function decodeLine(line: string): AuditRecord | BadLine {
  const f = splitFields(line);
  const t = f[0];
  try {
    if (/^[A-Z]\d+$/.test(t)) {
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
