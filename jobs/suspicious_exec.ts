/**
 * The seed's job: executions of tools often used by attackers (ncat, nc,
 * wget, curl, base64, socat), counted per (parent comm, basename of the
 * program), keeping the pairs seen more than a threshold.
 *
 * Parameters: `commands` (comma-separated, default the seed's set),
 * `threshold` (keep counts greater than this, default 10).
 *
 * @module
 */

import type { Job, JobFactory } from "./job.ts";

/** The seed's set. */
export const DEFAULT_COMMANDS = ["ncat", "nc", "wget", "curl", "base64", "socat"] as const;
export const DEFAULT_THRESHOLD = 10;

type Key = [string, string];

/** One output row. */
export interface SuspiciousRow {
  parent: string;
  command: string;
  count: number;
}

/** The basename of a path as passed to exec ("/usr/bin/nc" -> "nc", "./nc" -> "nc"). */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Options of {@link suspiciousExec}. */
export interface SuspiciousOptions {
  /** program names to count. @default DEFAULT_COMMANDS */
  commands?: Iterable<string>;
  /** keep (parent, command) pairs with a count greater than this. @default 10 */
  threshold?: number;
}

/** The job, with its options. */
export function suspiciousExec(o: SuspiciousOptions = {}): Job<Key, number, SuspiciousRow> {
  const commands = new Set(o.commands ?? DEFAULT_COMMANDS);
  const threshold = o.threshold ?? DEFAULT_THRESHOLD;
  return {
    name: "suspicious_exec",
    description: `executions of ${[...commands].join(", ")} per parent, counts over ${threshold}`,
    schema: [
      { name: "parent", type: "string", description: "comm of the parent process" },
      { name: "command", type: "string", description: "basename of the program executed" },
      { name: "count", type: "long", description: "executions on the day" },
    ],
    map(r, emit, ctx) {
      if (r.type !== "exec") return;
      const command = basename(r.filename);
      if (!commands.has(command)) return;
      ctx.counters.inc("suspicious_exec", "matched");
      emit([r.pcomm, command], 1);
    },
    combine(key, values, emit) {
      emit(key, values.reduce((a, b) => a + b, 0));
    },
    reduce([parent, command], values, emit) {
      const count = values.reduce((a, b) => a + b, 0);
      if (count > threshold) emit({ parent, command, count });
    },
  };
}

/** From `--param commands=a,b --param threshold=N`. */
export const factory: JobFactory = (params) => {
  const t = params.threshold;
  if (t !== undefined && !/^\d+$/.test(t)) {
    throw new RangeError(`suspicious_exec: threshold must be a whole number: got "${t}"`);
  }
  return suspiciousExec({
    commands: params.commands?.split(",").map((s) => s.trim()).filter(Boolean),
    threshold: t === undefined ? undefined : Number(t),
  }) as unknown as ReturnType<JobFactory>;
};
