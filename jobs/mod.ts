/**
 * The jobs, by name, and how a run's selection is made.
 *
 * @module
 */

import { type Job, type JobSpec, parseParams } from "./job.ts";
import { spec as suspiciousExec } from "./suspicious_exec.ts";
import { spec as collectorStats } from "./collector_stats.ts";
import { spec as coverage } from "./coverage.ts";
import { spec as events } from "./events.ts";
import { spec as lineage } from "./lineage.ts";
import { spec as activity } from "./activity.ts";
import { spec as sigma } from "./sigma.ts";
import { spec as novelty } from "./novelty.ts";
import { REPORT_TABLES } from "./engine/report_side.ts";

export * from "./job.ts";

/** Every job, in the order they run (and their tables are listed). */
export const JOBS: readonly JobSpec[] = [
  events,
  collectorStats,
  coverage,
  activity,
  suspiciousExec,
  lineage,
  sigma,
  novelty,
];

/**
 * The jobs `names` (default: all) with `params` (`<job>.<name>=value`);
 * a RangeError naming the problem for an unknown job or parameter.
 */
export function makeJobs(names?: readonly string[], params: readonly string[] = []): Job[] {
  const specs = names === undefined ? [...JOBS] : names.map((n) => {
    const s = JOBS.find((j) => j.name === n);
    if (!s) {
      throw new RangeError(
        `Unknown job "${n}": known jobs are ${JOBS.map((j) => j.name).join(", ")}`,
      );
    }
    return s;
  });
  const values = parseParams(specs, params);
  return specs.map((s) => s.create(values.get(s.name)!));
}

/** What the driver needs of the selected jobs: tables and side inputs (the `--describe` output). */
export function describe(jobs: readonly Job[]) {
  return {
    jobs: jobs.map((j) => ({
      name: j.name,
      description: j.description,
      steps: j.steps.length,
      sideInputs: j.sideInputs ?? [],
      wantsKeys: j.file !== undefined,
    })),
    tables: jobs.flatMap((j) => j.tables.map((t) => ({ ...t, job: j.name }))),
    /** the tables of the run the report reads: name -> rows at most */
    report: Object.fromEntries(
      jobs.flatMap((j) => j.tables).filter((t) => Object.hasOwn(REPORT_TABLES, t.name))
        .map((t) => [t.name, REPORT_TABLES[t.name]]),
    ),
  };
}
