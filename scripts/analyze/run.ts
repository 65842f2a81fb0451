/**
 * `deno task analyze`: the spark-submit wrapper. Finds Spark (SPARK_HOME,
 * spark-submit on PATH, or the project's own, installed by
 * scripts/spark_setup.sh), rebuilds the job bundle and the driver jar when
 * their sources changed, submits one Spark application for the day (every
 * selected job over one decode) with the deno binary and the bundle as
 * `--files` (executors need no Deno of their own),
 * shows progress, and returns a summary: rows, counters, where the results
 * are; or Spark's failure in one line with the log's path.
 *
 * @module
 */

const ROOT = new URL("../..", import.meta.url).pathname;
const BUILD = `${ROOT}build/analyze`;

/** `--driver-memory` of local runs (the driver runs the tasks). */
export const DEFAULT_LOCAL_DRIVER_MEMORY = "3g";

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /** the UTC day, "2026-11-27" */
  date: string;
  /** layout root (docs/hdfs-layout.md): a local path, hdfs://... or webhdfs://... */
  input: string;
  /** results directory (local or hdfs://): `<output>/<table>/dt=D/`, `<output>/<table>-D.csv` */
  output: string;
  /** Spark master. @default "local[*]" */
  master?: string;
  /** jobs to run. @default every job */
  jobs?: string[];
  /** job parameters, `<job>.<name>=value` */
  params?: string[];
  /** reduce partitions. @default Spark's default parallelism */
  partitions?: number;
  /** also register each table as the Hive table `<prefix><table>` (a metastore configured) */
  hiveTablePrefix?: string;
  /** extra `--conf k=v` for spark-submit */
  conf?: string[];
  /** where Spark's logs go. @default "<build>/analyze/logs" */
  logDir?: string;
  /** progress lines. @default console.error */
  progress?: (line: string) => void;
}

/** One table's result. */
export interface TableResult {
  rows: number;
  parquet: string;
  csv?: string;
  hive?: string;
}

/** The run's result: one application for the day, every selected job. */
export interface AnalyzeResult {
  day: string;
  jobs: string[];
  tables: Record<string, TableResult>;
  counters: Record<string, number>;
  /** side inputs not found and the like: not failures */
  notes: string[];
  /** the day's HTML page (`<output>/report-D.html`), when a job the report reads ran */
  report?: string;
  /** the deno binary the executors ran (shipped with --files) */
  executor_deno: string;
  seconds: number;
  log: string;
}

/** A failure of Spark or of the set-up, in one line. */
export class AnalyzeError extends Error {
  readonly log?: string;
  constructor(message: string, log?: string, options?: ErrorOptions) {
    super(log ? `${message} (log: ${log})` : message, options);
    this.name = "AnalyzeError";
    this.log = log;
  }
}

const dec = new TextDecoder();

async function run(cmd: string, args: string[], what: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) {
    const err = dec.decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    throw new AnalyzeError(`${what} failed: ${err}`);
  }
  return dec.decode(out.stdout);
}

async function mtime(p: string): Promise<number> {
  try {
    return (await Deno.stat(p)).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

async function newest(dir: string, ext: string): Promise<number> {
  let t = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) t = Math.max(t, await newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, await mtime(p));
  }
  return t;
}

/** SPARK_HOME: the environment's, spark-submit's on PATH, or the project's own. */
export async function findSparkHome(): Promise<string> {
  const env = Deno.env.get("SPARK_HOME");
  if (env) return env;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const real = await Deno.realPath(`${dir}/spark-submit`);
      // <home>/bin/spark-submit
      return real.replace(/\/bin\/spark-submit$/, "");
    } catch {
      // not here
    }
  }
  const out = await run("bash", [`${ROOT}scripts/spark_setup.sh`], "installing Spark");
  return out.trim().split("\n").pop()!;
}

/** Rebuilds build/analyze/stream.js and driver.jar when their sources are newer. */
export async function build(sparkHome: string): Promise<{ bundle: string; jar: string }> {
  await Deno.mkdir(BUILD, { recursive: true });
  const bundle = `${BUILD}/stream.js`;
  const src = Math.max(
    await newest(`${ROOT}jobs`, ".ts"),
    await newest(`${ROOT}scripts`, ".ts"),
  );
  if ((await mtime(bundle)) < src) {
    await run(
      Deno.execPath(),
      ["bundle", "--quiet", "-o", bundle, `${ROOT}jobs/stream_main.ts`],
      "deno bundle",
    );
  }
  const jar = `${BUILD}/driver.jar`;
  const java = `${ROOT}jobs/spark/AuditJobDriver.java`;
  if ((await mtime(jar)) < (await mtime(java))) {
    const classes = `${BUILD}/classes`;
    await Deno.remove(classes, { recursive: true }).catch(() => {});
    await run(
      "javac",
      ["-nowarn", "-d", classes, "-cp", `${sparkHome}/jars/*`, java],
      "compiling the driver",
    );
    await run("jar", ["cf", jar, "-C", classes, "."], "packaging the driver");
  }
  return { bundle, jar };
}

/** A strict calendar day ("2026-02-30" is not one). */
export function checkDay(d: string): void {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(t) ||
    new Date(t).toISOString().slice(0, 10) !== d
  ) {
    throw new RangeError(`--date must be a calendar day like 2026-11-27: got "${d}"`);
  }
}

/** Fails early when `--output` is an existing file (local paths; the driver checks hdfs://). */
async function checkOutput(output: string): Promise<void> {
  if (/^[a-z]+:\/\//.test(output) && !output.startsWith("file://")) return;
  const p = output.replace(/^file:\/\//, "");
  try {
    const st = await Deno.stat(p);
    if (!st.isDirectory) throw new RangeError(`--output "${output}" is a file, not a directory`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Runs the selected jobs (default all) over the day in ONE Spark
 * application; throws RangeError for bad options (before Spark starts) and
 * AnalyzeError with Spark's failure in one line.
 */
export async function analyze(o: AnalyzeOptions): Promise<AnalyzeResult> {
  checkDay(o.date);
  await checkOutput(o.output);
  // unknown jobs or parameters, unreadable parameter files: one line, before Spark
  const { makeJobs, describe, JOBS } = await import("../../jobs/mod.ts");
  const described = describe(makeJobs(o.jobs, o.params ?? []));
  const progress = o.progress ?? ((l: string) => console.error(l));
  const sparkHome = await findSparkHome();
  const { bundle, jar } = await build(sparkHome);
  const logDir = o.logDir ?? `${BUILD}/logs`;
  await Deno.mkdir(logDir, { recursive: true });
  // file parameters travel with --files: executors read their own copy
  const files = [Deno.execPath(), bundle];
  const params = (o.params ?? []).map((p) => {
    const m = /^([a-z0-9_]+)\.([a-z0-9_]+)=(.*)$/s.exec(p)!;
    const spec = JOBS.find((j) => j.name === m[1])!;
    if (!spec.params[m[2]]?.file || m[3] === "") return p;
    const abs = m[3].startsWith("/") ? m[3] : `${Deno.cwd()}/${m[3]}`;
    files.push(abs);
    return `${m[1]}.${m[2]}=sparkfile:${abs.split("/").pop()}`;
  });
  // directory parameters (given or default): their files packed into one file, shipped as one
  for (const job of described.jobs) {
    const spec = JOBS.find((j) => j.name === job.name)!;
    for (const [name, param] of Object.entries(spec.params)) {
      if (!param.dirs) continue;
      const given = params.findLast((p) => p.startsWith(`${job.name}.${name}=`));
      const value = given?.slice(job.name.length + name.length + 2) ?? param.default ?? "";
      const pack = await packDirsParam(job.name, name, value, param.dirs.exts, logDir, o.date);
      files.push(pack);
      const rewritten = `${job.name}.${name}=sparkfile:${pack.split("/").pop()}`;
      if (given) params[params.indexOf(given)] = rewritten;
      else params.push(rewritten);
    }
  }
  const jobNames = described.jobs.map((j) => j.name);
  const log = `${logDir}/analyze-${o.date}.log`;
  const t0 = performance.now();
  progress(
    `analyze: ${jobNames.join(", ")} for ${o.date} on ${o.master ?? "local[*]"} (log: ${log})`,
  );
  const args = [
    "--master",
    o.master ?? "local[*]",
    "--class",
    "AuditJobDriver",
    "--name",
    `syscall-audit ${o.date}`,
    "--files",
    files.join(","),
    "--conf",
    "spark.ui.showConsoleProgress=false",
    // local mode: the driver is the executor; its default 1 GB heap is tight for a day's tables
    ...((o.master ?? "local[*]").startsWith("local") &&
        !(o.conf ?? []).some((c) => c.startsWith("spark.driver.memory="))
      ? ["--driver-memory", DEFAULT_LOCAL_DRIVER_MEMORY]
      : []),
    ...(o.conf ?? []).flatMap((c) => ["--conf", c]),
    jar,
    "--input",
    o.input,
    "--day",
    o.date,
    "--output",
    o.output,
    "--describe",
    JSON.stringify(described),
    "--jobs",
    jobNames.join(","),
    "--deno",
    Deno.execPath().split("/").pop()!,
    "--bundle",
    "stream.js",
    ...(o.partitions ? ["--partitions", String(o.partitions)] : []),
    ...(o.hiveTablePrefix ? ["--hive-prefix", o.hiveTablePrefix] : []),
    ...params.flatMap((p) => ["--param", p]),
  ];
  const { stdout, errorLines, success } = await sparkSubmit(sparkHome, args, log, progress);
  const line = stdout.split("\n").find((l) => l.startsWith("SYSCALL_AUDIT_RESULT "));
  if (!success || !line) {
    const own = stdout.split("\n").find((l) => l.startsWith("SYSCALL_AUDIT_ERROR "));
    throw new AnalyzeError(
      `Spark failed for ${o.date}: ${
        own ? own.slice("SYSCALL_AUDIT_ERROR ".length).slice(0, 300) : why(errorLines)
      }`,
      log,
    );
  }
  const r = JSON.parse(line.slice("SYSCALL_AUDIT_RESULT ".length));
  for (const n of r.notes ?? []) progress(`analyze: note: ${n}`);
  return { ...r, jobs: jobNames, seconds: (performance.now() - t0) / 1000, log };
}

/**
 * Packs a directory parameter's files (`<job>.<name>=DIR[,DIR]`) into one
 * file in `dir` (jobs/param_files.ts): what the executors read.
 */
async function packDirsParam(
  job: string,
  name: string,
  value: string,
  exts: readonly string[],
  dir: string,
  day: string,
): Promise<string> {
  const { readDirsParam, encodePack } = await import("../../jobs/param_files.ts");
  const files = readDirsParam(job, name, value, exts);
  const path = `${dir}/${job}.${name}-${day}.pack`;
  await Deno.writeTextFile(path, encodePack(files), { mode: 0o600 });
  return path;
}

/** Runs spark-submit, logging its stderr to `log` and showing finished stages. */
export async function sparkSubmit(
  sparkHome: string,
  args: string[],
  log: string,
  progress: (l: string) => void,
): Promise<{ stdout: string; errorLines: string[]; success: boolean }> {
  const child = new Deno.Command(`${sparkHome}/bin/spark-submit`, {
    args,
    env: { SPARK_HOME: sparkHome },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logFile = await Deno.open(log, { write: true, create: true, truncate: true });
  const errorLines: string[] = [];
  const pump = (async () => {
    let carry = "";
    for await (const chunk of child.stderr) {
      await logFile.write(chunk);
      const text = carry + dec.decode(chunk, { stream: true });
      const lines = text.split("\n");
      carry = lines.pop()!;
      for (const l of lines) {
        const done = /DAGScheduler: (\w+Stage) (\d+) \((\S+) at ([^)]*)\) finished in (\d+) ms/
          .exec(l);
        if (done) {
          progress(
            `analyze: stage ${done[2]} (${done[3]} at ${done[4]}) done in ${
              (Number(done[5]) / 1000).toFixed(1)
            } s`,
          );
        }
        if (/ERROR|Exception|Error:/.test(l)) errorLines.push(l);
      }
    }
  })();
  const stdout = await new Response(child.stdout).text();
  await pump.catch(() => {});
  logFile.close();
  const status = await child.status;
  return { stdout, errorLines, success: status.success };
}

/** The most telling error line of a Spark log. */
function why(lines: string[]): string {
  const cause = [...lines].reverse().find((l) => /Caused by|Exception:|Error:/.test(l)) ??
    lines.at(-1) ??
    "no error in the log";
  return cause
    .replace(/^\s*(\d\d\/\d\d\/\d\d \S+ )?(ERROR \S+: )?/, "")
    .replace(/^(Caused by: |Exception in thread "[^"]*" )/, "")
    .replace(/\b(?:[a-z_$][\w$]*\.)+([A-Z][\w$]*(?:Exception|Error))\b/g, "$1")
    .slice(0, 300);
}
