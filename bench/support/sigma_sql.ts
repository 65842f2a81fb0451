/**
 * The SQL-engine baseline of the sigma benchmark: Sigma rules converted by pySigma's Databricks
 * backend (bench/support/pysigma_databricks/) into Spark SQL predicates, run in one pass over a
 * day of the `events` table by the project's Spark (bench/support/sigma_spark_sql.py, submitted
 * as bench/analyze.ts submits its Spark SQL baseline).
 *
 * @module
 */

import { DEFAULT_LOCAL_DRIVER_MEMORY, findSparkHome } from "../../scripts/analyze/run.ts";

const HERE = new URL("./", import.meta.url).pathname;
const dec = new TextDecoder();

/** Options of {@link sparkSqlSigma}. */
export interface SparkSqlSigmaOptions {
  /** the events table's directory (`<out>/events`: the day is `<eventsDir>/dt=<day>/`) */
  eventsDir: string;
  /** the UTC day, "2026-11-27" */
  day: string;
  /** rule directories (convert.py reads every *.yml / *.yaml under each) */
  ruleDirs: string[];
  /** a directory for rules.json, matches.jsonl and Spark's log (created) */
  work: string;
  /** Spark master. @default `local[<cores>]` */
  master?: string;
  /** spark-submit's --driver-memory (local: the tasks' memory). @default DEFAULT_LOCAL_DRIVER_MEMORY */
  driverMemory?: string;
  /** sigma_spark_sql.py's --strategy. @default "explode" (all rules in one SELECT) */
  strategy?: "explode" | "filter" | "union";
}

/** What {@link sparkSqlSigma} found and how long it took. */
export interface SparkSqlSigmaResult {
  /** spark-submit's wall time, JVM start included (not the conversion) */
  seconds: number;
  /** the query alone (from its start to the last match written) */
  querySeconds: number;
  /** pySigma's conversion (convert.py) */
  convertSeconds: number;
  /** "rule_id\texec_id" per match (a record without an exec id: "rule_id\t") */
  matches: Set<string>;
  /** rules pySigma converted */
  converted: number;
  /** rules run over the events */
  evaluated: number;
  /** rules not run: pySigma's error, or why the Spark side refused the predicate */
  failed: { rule_id: string; error: string }[];
}

async function run(
  cmd: string,
  args: string[],
  what: string,
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const stderr = dec.decode(out.stderr);
  if (!out.success) {
    const tail = stderr.trim().split("\n").filter((l) => /Error|Exception|error/.test(l)).slice(-3);
    throw new Error(`${what} failed (exit ${out.code}): ${tail.join(" | ") || "no error printed"}`);
  }
  return { stdout: dec.decode(out.stdout), stderr };
}

let python: Promise<string> | null = null;

/** The pySigma 1.x venv's python, installing it first when missing (setup.sh is idempotent). */
export function pysigma1Python(): Promise<string> {
  python ??= run("bash", [`${HERE}pysigma_databricks/setup.sh`], "pysigma_databricks/setup.sh")
    .then((r) => r.stdout.trim().split("\n").at(-1)!);
  return python;
}

/** The rules of `o.ruleDirs` as Spark SQL over the events of `o.day`: every match and the times. */
export async function sparkSqlSigma(o: SparkSqlSigmaOptions): Promise<SparkSqlSigmaResult> {
  await Deno.mkdir(o.work, { recursive: true });
  const rulesJson = `${o.work}/rules.json`;
  const matchesJsonl = `${o.work}/matches.jsonl`;

  const py = await pysigma1Python();
  let t = performance.now();
  const conv = await run(py, [`${HERE}pysigma_databricks/convert.py`, ...o.ruleDirs], "convert.py");
  const convertSeconds = (performance.now() - t) / 1000;
  await Deno.writeTextFile(rulesJson, conv.stdout);
  const rules = JSON.parse(conv.stdout) as Record<string, { sql?: string; error?: string }>;
  const converted = Object.values(rules).filter((r) => r.sql !== undefined).length;

  const home = await findSparkHome();
  t = performance.now();
  const sub = await run(
    `${home}/bin/spark-submit`,
    [
      "--master",
      o.master ?? `local[${navigator.hardwareConcurrency}]`,
      "--driver-memory",
      o.driverMemory ?? DEFAULT_LOCAL_DRIVER_MEMORY,
      "--conf",
      "spark.sql.session.timeZone=UTC",
      "--conf",
      "spark.ui.enabled=false",
      "--conf",
      "spark.ui.showConsoleProgress=false",
      `${HERE}sigma_spark_sql.py`,
      "--strategy",
      o.strategy ?? "explode",
      `${o.eventsDir}/dt=${o.day}`,
      rulesJson,
      matchesJsonl,
    ],
    "sigma_spark_sql.py",
    { SPARK_HOME: home, PYSPARK_PYTHON: `${home}/../../../../bin/python` },
  );
  const seconds = (performance.now() - t) / 1000;
  await Deno.writeTextFile(`${o.work}/spark.log`, sub.stderr);
  const line = sub.stdout.split("\n").find((l) => l.startsWith("SIGMA_SQL "));
  if (!line) throw new Error("sigma_spark_sql.py printed no SIGMA_SQL line");
  const report = JSON.parse(line.slice("SIGMA_SQL ".length)) as {
    query_seconds: number;
    evaluated: number;
    rejected: { rule_id: string; error: string }[];
  };

  const matches = new Set<string>();
  for (const l of (await Deno.readTextFile(matchesJsonl)).split("\n")) {
    if (l === "") continue;
    const m = JSON.parse(l) as { rule_id: string; exec_id?: string | null };
    matches.add(`${m.rule_id}\t${m.exec_id ?? ""}`);
  }
  return {
    seconds,
    querySeconds: report.query_seconds,
    convertSeconds,
    matches,
    converted,
    evaluated: report.evaluated,
    failed: report.rejected,
  };
}
