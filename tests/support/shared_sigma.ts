/**
 * The SigmaHQ Linux rules and the Sigma specification kept beside the repository
 * (`shared/sigma/`, see its README; found by shared_data.ts), for the Sigma tests and
 * benchmarks: never copied in.
 *
 * @module
 */

import { sharedPath } from "./shared_data.ts";
import { type PackedFile, readTreeSync } from "../../jobs/param_files.ts";
import { RULE_EXTENSIONS } from "../../jobs/sigma.ts";

/** `shared/sigma/` */
export const SHARED_SIGMA: URL = new URL(`file://${sharedPath("sigma")}/`);

/** The SigmaHQ Linux process_creation rules (122 files). */
export const SIGMAHQ_PROCESS_CREATION: URL = new URL("rules-linux/process_creation/", SHARED_SIGMA);

/** Every rule file under `dir` as the sigma job reads it (jobs/param_files.ts). */
export function readRuleDir(dir: URL): Promise<PackedFile[]> {
  return Promise.resolve(readTreeSync("sigma", "rules", [dir.pathname], RULE_EXTENSIONS));
}
