/**
 * `deno task analyze`: the spark-submit wrapper. Finds Spark (SPARK_HOME,
 * spark-submit on PATH, or the project's own, installed by
 * scripts/spark_setup.sh), rebuilds the job bundle and the driver jar when
 * their sources changed, submits one Spark application per job with the deno
 * binary and the bundle as `--files` (executors need no Deno of their own),
 * shows progress, and returns a summary: rows, counters, where the results
 * are; or Spark's failure in one line with the log's path.
 *
 * @module
 */

const ROOT = new URL("../..", import.meta.url).pathname;
const BUILD = `${ROOT}build/analyze`;

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /** the UTC day, "2026-11-27" */
  date: string;
  /** layout root: a local path, hdfs://... or webhdfs://... */
  input: string;
  /** results directory (local or hdfs://) */
  output: string;
  /** Spark master. @default "local[*]" */
  master?: string;
  /** jobs to run. @default every job */
  jobs?: string[];
  /** job parameters, passed to every job (`name=value`) */
  params?: string[];
  /** reduce partitions. @default Spark's default parallelism */
  partitions?: number;
  /** also save into this Hive table prefix (`db.prefix_`) when a metastore is configured */
  hiveTablePrefix?: string;
  /** extra `--conf k=v` for spark-submit */
  conf?: string[];
  /** where Spark's logs go. @default "<build>/analyze/logs" */
  logDir?: string;
  /** progress lines. @default console.error */
  progress?: (line: string) => void;
  /** count the tamper-evidence chains of the day's files (local and webhdfs:// inputs; chains.ts). @default true */
  chains?: boolean;
  /** PEM file of the private key that opens the escrowed chain keys. @default none */
  chainPrivateKey?: string;
}

/** One job's result. */
export interface JobResult {
  job: string;
  day: string;
  rows: number;
  parquet: string;
  csv: string;
  counters: Record<string, number>;
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
    await newest(`${ROOT}scripts/lib`, ".ts"),
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

/** Runs the jobs; throws AnalyzeError with Spark's failure in one line. */
export async function analyze(o: AnalyzeOptions): Promise<JobResult[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date) || Number.isNaN(Date.parse(o.date))) {
    throw new RangeError(`--date must be a day like 2026-11-27: got "${o.date}"`);
  }
  const progress = o.progress ?? ((l: string) => console.error(l));
  const sparkHome = await findSparkHome();
  const { bundle, jar } = await build(sparkHome);
  const jobArgs = (o.params ?? []).flatMap((p) => ["--job-arg", "--param", "--job-arg", p]);
  const jobs = o.jobs ?? JSON.parse(
    await run(Deno.execPath(), ["run", "--allow-read", bundle, "--list"], "listing the jobs"),
  ) as string[];
  const logDir = o.logDir ?? `${BUILD}/logs`;
  await Deno.mkdir(logDir, { recursive: true });
  // until the coverage job exists: the chains, counted here (chain/* counters of every job)
  const chainCounters: Record<string, number> = {};
  if (o.chains ?? true) {
    const { countChains } = await import("./chains.ts");
    const pem = o.chainPrivateKey ? await Deno.readTextFile(o.chainPrivateKey) : undefined;
    try {
      const c = await countChains(o.input, o.date, { privateKeyPem: pem });
      if (c.skipped) progress(`analyze: ${c.skipped}`);
      else Object.assign(chainCounters, c.counters);
      for (const b of c.breaks.slice(0, 20)) progress(`analyze: chain: ${b}`);
      if (c.breaks.length > 20) {
        progress(
          `analyze: chain: ... ${c.breaks.length - 20} more (deno task verify shows a host's)`,
        );
      }
      if (c.unverifiable.length) {
        progress(
          `analyze: chain: ${c.unverifiable.length} stretches could not be checked (no key, or a day's first and last lines)`,
        );
      }
    } catch (e) {
      progress(`analyze: chains not counted: ${(e as Error).message}`);
    }
  }
  const results: JobResult[] = [];
  for (const job of jobs) {
    const described = JSON.parse(
      await run(
        Deno.execPath(),
        [
          "run",
          "--allow-read",
          bundle,
          "--job",
          job,
          "--describe",
          ...jobArgs.filter((_, i) => i % 2),
        ],
        `job ${job}`,
      ),
    );
    const log = `${logDir}/${job}-${o.date}.log`;
    const t0 = performance.now();
    progress(`analyze: ${job} for ${o.date} on ${o.master ?? "local[*]"} (log: ${log})`);
    const args = [
      "--master",
      o.master ?? "local[*]",
      "--class",
      "AuditJobDriver",
      "--name",
      `syscall-audit ${job} ${o.date}`,
      "--files",
      `${Deno.execPath()},${bundle}`,
      "--conf",
      "spark.ui.showConsoleProgress=false",
      "--conf",
      "spark.sql.sources.partitionOverwriteMode=dynamic",
      ...(o.conf ?? []).flatMap((c) => ["--conf", c]),
      jar,
      "--input",
      o.input,
      "--day",
      o.date,
      "--job",
      job,
      "--schema",
      JSON.stringify(described.schema),
      "--output",
      o.output,
      "--deno",
      Deno.execPath().split("/").pop()!,
      "--bundle",
      "stream.js",
      ...(o.partitions ? ["--partitions", String(o.partitions)] : []),
      ...(o.hiveTablePrefix ? ["--hive-table", `${o.hiveTablePrefix}${job}`] : []),
      ...jobArgs,
    ];
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
              `analyze: ${job}: stage ${done[2]} (${done[3]} at ${done[4]}) done in ${
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
    const line = stdout.split("\n").find((l) => l.startsWith("SYSCALL_AUDIT_RESULT "));
    if (!status.success || !line) {
      throw new AnalyzeError(`Spark failed for ${job} on ${o.date}: ${why(errorLines)}`, log);
    }
    const result = JSON.parse(line.slice("SYSCALL_AUDIT_RESULT ".length)) as JobResult;
    Object.assign(result.counters, chainCounters);
    results.push({ ...result, seconds: (performance.now() - t0) / 1000, log });
  }
  return results;
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
