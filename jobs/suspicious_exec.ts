/**
 * The seed's job: executions of tools often used by attackers (ncat, nc,
 * wget, curl, base64, socat), counted per (parent comm, basename of the
 * program), keeping the pairs seen more than a threshold. Table
 * `suspicious_exec`.
 *
 * Parameters: `suspicious_exec.commands` (comma-separated, default the
 * seed's set), `suspicious_exec.threshold` (keep counts greater than this,
 * default 10).
 *
 * @module
 */

import type { Job, JobSpec, Table } from "./job.ts";
import type { ExecEvent } from "../scripts/logformat/mod.ts";

/** The seed's set. */
export const DEFAULT_COMMANDS = ["ncat", "nc", "wget", "curl", "base64", "socat"] as const;
export const DEFAULT_THRESHOLD = 10;
const DEFAULT_SET: ReadonlySet<string> = new Set(DEFAULT_COMMANDS);

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

/**
 * The program an exec record runs when it is one of `commands` (its
 * basename), else null: the job's test, also a finder of `lineage`.
 */
export function suspiciousCommand(
  r: Pick<ExecEvent, "filename">,
  commands: ReadonlySet<string> = DEFAULT_SET,
): string | null {
  const command = basename(r.filename);
  return commands.has(command) ? command : null;
}

/** Options of {@link suspiciousExec}. */
export interface SuspiciousOptions {
  /** program names to count. @default DEFAULT_COMMANDS */
  commands?: Iterable<string>;
  /** keep (parent, command) pairs with a count greater than this. @default 10 */
  threshold?: number;
}

export const SUSPICIOUS_TABLE: Table = {
  name: "suspicious_exec",
  description: "executions of attack tools per (parent comm, program), counts over the threshold",
  csv: true,
  columns: [
    { name: "parent", type: "string", description: "comm of the parent process" },
    { name: "command", type: "string", description: "basename of the program executed" },
    { name: "count", type: "long", description: "executions on the day" },
  ],
};

/** The job, with its options. */
export function suspiciousExec(o: SuspiciousOptions = {}): Job {
  const commands = new Set(o.commands ?? DEFAULT_COMMANDS);
  const threshold = o.threshold ?? DEFAULT_THRESHOLD;
  const sum = (values: Iterable<unknown>) => {
    let n = 0;
    for (const v of values) n += v as number;
    return n;
  };
  return {
    name: "suspicious_exec",
    description: `executions of ${[...commands].join(", ")} per parent, counts over ${threshold}`,
    tables: [SUSPICIOUS_TABLE],
    map(r, out, ctx) {
      if (r.type !== "exec") return;
      const command = suspiciousCommand(r, commands);
      if (command === null) return;
      ctx.counters.inc("suspicious_exec", "matched");
      out.emit([r.pcomm, command], 1);
    },
    steps: [{
      combine(key, values, emit) {
        emit(key, sum(values));
      },
      reduce(key, values, out) {
        const [parent, command] = key as [string, string];
        const count = sum(values);
        if (count > threshold) out.row("suspicious_exec", { parent, command, count });
      },
    }],
  };
}

/** The job's spec: `--param suspicious_exec.commands=a,b --param suspicious_exec.threshold=N`. */
export const spec: JobSpec = {
  name: "suspicious_exec",
  description: "the seed's job: attack tools per parent over a threshold",
  params: {
    commands: {
      description: "program names to count, comma-separated",
      default: DEFAULT_COMMANDS.join(","),
    },
    threshold: {
      description: "keep pairs counted more than this",
      default: String(DEFAULT_THRESHOLD),
    },
  },
  create(params) {
    const t = params.threshold;
    if (t !== undefined && !/^\d+$/.test(t)) {
      throw new RangeError(`suspicious_exec.threshold must be a whole number: got "${t}"`);
    }
    return suspiciousExec({
      commands: params.commands?.split(",").map((s) => s.trim()).filter(Boolean),
      threshold: t === undefined ? undefined : Number(t),
    });
  },
};
