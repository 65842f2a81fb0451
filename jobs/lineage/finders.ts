/**
 * Finders: which exec records are findings of a job, as `lineage` asks
 * (`--param lineage.of=a,b`). A finder answers for one record: false (not a
 * finding), true, or a string saying what it found (kept in
 * `finding_details`). A job whose findings need a lineage adds its
 * predicate here, the same one its own map uses.
 *
 * @module
 */

import type { ExecRecord } from "../events.ts";
import { suspiciousCommand } from "../suspicious_exec.ts";

/** One job's test of a record. */
export type Finder = (record: ExecRecord) => boolean | string;

/** Job name -> finder. */
export const FINDERS: Readonly<Record<string, Finder>> = {
  /** an exec of one of the seed's attack tools (its default command set): the tool's name */
  suspicious_exec: (r) => suspiciousCommand(r) ?? false,
};
