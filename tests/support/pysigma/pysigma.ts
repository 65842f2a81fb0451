/**
 * pySigma from TypeScript: the venv of setup.sh, convert.py (rules -> SQLite queries with the
 * sqlite backend) and run_sqlite.py (queries over events in an in-memory SQLite table). Used by
 * tests/sigma_pysigma_test.ts and the benchmark.
 *
 * @module
 */

const HERE = new URL("./", import.meta.url);

/** One rule as convert.py reports it. */
export interface PysigmaRule {
  file: string;
  title?: string;
  /** the query (absent when pySigma could not convert the rule: see `error`) */
  sql?: string;
  error?: string;
  category?: string | null;
  product?: string | null;
  fields?: string[];
}

/** rule_id -> its conversion */
export type PysigmaRules = Record<string, PysigmaRule>;

/** One event of run_sqlite.py's input: exec_id and Sigma fields (absent/null = NULL). */
export type PysigmaEvent = { exec_id: string } & Record<string, string | number | null>;

async function run(cmd: string, args: string[], what: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    throw new Error(
      `${what} failed (exit ${out.code}): ${stderr.split("\n").slice(-3).join(" | ")}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

let python: Promise<string> | null = null;

/** The venv's python, installing it first when missing (setup.sh is idempotent). */
export function pysigmaPython(): Promise<string> {
  python ??= run("bash", [new URL("setup.sh", HERE).pathname], "pysigma setup.sh").then((s) =>
    s.trim().split("\n").at(-1)!
  );
  return python;
}

/** convert.py over `dirs`. */
export async function pysigmaConvert(dirs: readonly (string | URL)[]): Promise<PysigmaRules> {
  const paths = dirs.map((d) => (d instanceof URL ? d.pathname : d));
  const py = await pysigmaPython();
  return JSON.parse(await run(py, [new URL("convert.py", HERE).pathname, ...paths], "convert.py"));
}

/** run_sqlite.py: every (rule_id, exec_id) match of `rules` over `events`; throws when SQLite
 *  refuses a query. */
export async function pysigmaRun(
  rules: PysigmaRules,
  events: readonly PysigmaEvent[],
): Promise<{ rule_id: string; exec_id: string }[]> {
  const dir = await Deno.makeTempDir({ prefix: "pysigma-" });
  try {
    await Deno.writeTextFile(`${dir}/rules.json`, JSON.stringify(rules));
    await Deno.writeTextFile(
      `${dir}/events.jsonl`,
      events.map((e) => JSON.stringify(e) + "\n").join(""),
    );
    const py = await pysigmaPython();
    const out = await run(
      py,
      [new URL("run_sqlite.py", HERE).pathname, `${dir}/rules.json`, `${dir}/events.jsonl`],
      "run_sqlite.py",
    );
    const rows = out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    const errors = rows.filter((r) => "error" in r);
    if (errors.length > 0) {
      throw new Error(
        `run_sqlite.py: ${errors.length} queries failed, e.g. ${JSON.stringify(errors[0])}`,
      );
    }
    return rows;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
