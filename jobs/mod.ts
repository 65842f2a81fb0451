/**
 * The jobs, by name.
 *
 * @module
 */

import type { JobFactory } from "./job.ts";
import { factory as suspiciousExec } from "./suspicious_exec.ts";

export * from "./job.ts";

/** Every job: name -> factory taking its parameters. */
export const JOBS: Record<string, JobFactory> = {
  suspicious_exec: suspiciousExec,
};

/** The job `name` with `params`; a TypeError naming the known jobs otherwise. */
export function jobByName(name: string, params: Record<string, string> = {}) {
  const f = JOBS[name];
  if (!f) {
    throw new TypeError(`Unknown job "${name}": known jobs are ${Object.keys(JOBS).join(", ")}`);
  }
  return f(params);
}
