/**
 * The record kinds this reader knows, by the letter of their type field: a
 * new kind is one entry here (its own module decodes its fields), never an
 * `if` on a letter elsewhere. A line of a letter with no entry is a BadLine
 * "unknown-kind", of a known letter but a version the entry does not read
 * "unknown-version"; readers count and skip both.
 *
 * @module
 */

import { decodeExec, type ExecEvent } from "./exec.ts";
import type { BadLine } from "./fields.ts";
import { decodeStats, type StatsEvent } from "./stats.ts";

/** Every record a known kind decodes to. */
export type AuditRecord = ExecEvent | StatsEvent;

/** One record kind of the log. */
export interface RecordKind {
  /** the kind's name (the decoded record's `type`) */
  kind: AuditRecord["type"];
  /** the versions this reader decodes */
  versions: readonly number[];
  /**
   * Decodes a whole line's fields (field 0 the type, the last the end mark,
   * both checked). May throw a SyntaxError for a malformed field.
   */
  decode(fields: string[], version: number): AuditRecord | BadLine;
}

/** Record type letter -> its kind. */
export const RECORD_KINDS: Readonly<Record<string, RecordKind>> = {
  E: { kind: "exec", versions: [1, 2], decode: decodeExec },
  S: { kind: "stats", versions: [1], decode: decodeStats },
};

/** The kind of a type letter, or undefined. */
export function recordKind(letter: string): RecordKind | undefined {
  return Object.hasOwn(RECORD_KINDS, letter) ? RECORD_KINDS[letter] : undefined;
}

/** The names of the known kinds ("exec", "stats", ...). */
export function kindNames(): string[] {
  return Object.values(RECORD_KINDS).map((k) => k.kind);
}
