/**
 * The SigmaHQ Linux rules and the Sigma specification kept beside the repository
 * (`../shared/sigma/`, see its README), for the Sigma tests and benchmarks: never copied in.
 *
 * @module
 */

/** `<repo>/../shared/sigma/` */
export const SHARED_SIGMA: URL = new URL("../../../shared/sigma/", import.meta.url);

/** The SigmaHQ Linux process_creation rules (122 files). */
export const SIGMAHQ_PROCESS_CREATION: URL = new URL(
  "rules-linux/process_creation/",
  SHARED_SIGMA,
);

/** Every *.yml / *.yaml under `dir` (recursive, sorted by path, symlinks skipped), as
 *  {file: path relative to dir, text}. */
export async function readRuleDir(dir: URL): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  const walk = async (rel: string) => {
    const entries = [];
    for await (const e of Deno.readDir(new URL(rel, dir))) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isDirectory) await walk(`${rel}${e.name}/`);
      else if (e.isFile && /\.ya?ml$/.test(e.name)) {
        out.push({ file: rel + e.name, text: await Deno.readTextFile(new URL(rel + e.name, dir)) });
      }
    }
  };
  await walk("");
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
