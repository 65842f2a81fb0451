import assert from "node:assert/strict";
import { parse } from "yaml";
import { sparkSqlSigma } from "./sigma_sql.ts";
import { events, EVENTS_TABLE } from "../../jobs/events.ts";
import { runInMemory } from "../../jobs/engine/memory.ts";
import type { Json } from "../../jobs/job.ts";
import { encodeExec, type ExecEvent, execId } from "../../scripts/logformat/mod.ts";
import { execEvent } from "../../tests/support/exec_event.ts";
import { findSparkHome } from "../../scripts/analyze/run.ts";
import { SIGMAHQ_PROCESS_CREATION } from "../../tests/support/shared_sigma.ts";

const DAY = "2026-11-27";
const ns = (s: number) =>
  String(BigInt(Date.parse(`${DAY}T00:00:00Z`) / 1000 + s) * 1_000_000_000n);

/** Writes `rows` (the in-memory engine's events rows) as the table's Parquet day, with Spark. */
async function writeEventsParquet(rows: Record<string, Json>[], dir: string): Promise<void> {
  const home = await findSparkHome();
  const py = `
import base64, datetime, json, sys
from pyspark.sql import SparkSession
from pyspark.sql import types as T
req = json.load(sys.stdin)
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
kinds = {"string": T.StringType(), "int": T.IntegerType(), "long": T.LongType(),
         "boolean": T.BooleanType(), "timestamp": T.TimestampType(),
         "array<string>": T.ArrayType(T.StringType()), "array<binary>": T.ArrayType(T.BinaryType())}
conv = {"long": int, "int": int,
        "timestamp": lambda v: epoch + datetime.timedelta(microseconds=int(v) // 1000),
        "array<binary>": lambda v: [bytearray(base64.b64decode(x)) for x in v]}
cols = req["columns"]
schema = T.StructType([T.StructField(c["name"], kinds[c["type"]]) for c in cols])
data = [tuple(None if r.get(c["name"]) is None else conv.get(c["type"], lambda v: v)(r[c["name"]])
              for c in cols) for r in req["rows"]]
s = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false") \\
    .config("spark.sql.session.timeZone", "UTC").getOrCreate()
s.createDataFrame(data, schema).coalesce(1).write.mode("overwrite").parquet(req["dir"])
`;
  const child = new Deno.Command(`${home}/../../../../bin/python`, {
    args: ["-c", py],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(
    new TextEncoder().encode(JSON.stringify({ rows, dir, columns: EVENTS_TABLE.columns })),
  );
  await w.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`writing Parquet failed: ${new TextDecoder().decode(out.stderr).slice(-600)}`);
  }
}

async function ruleId(file: string): Promise<string> {
  return parse(await Deno.readTextFile(new URL(file, SIGMAHQ_PROCESS_CREATION))).id;
}

Deno.test("sparkSqlSigma() finds exactly the matches of the SigmaHQ rules, Sigma's way", async () => {
  const rsyncSpawn = await ruleId("proc_creation_lnx_rsync_shell_spawn.yml");
  const netDiscovery = await ruleId("proc_creation_lnx_system_network_connections_discovery.yml");
  let t = 0;
  const ev = (o: Partial<ExecEvent> & { filename: string }) =>
    execEvent({ time_ns: ns(t++), argv: [o.filename], ...o });
  /** a child of `parent` (its current image) */
  const child = (parent: ExecEvent, o: Partial<ExecEvent> & { filename: string }) =>
    ev({ ppid: parent.pid, pstart_ns: parent.start_ns, pxid: parent.xid, ...o });
  const rsync = ev({ pid: 200, start_ns: "200", xid: "1", filename: "/usr/bin/rsync" });
  const bash = ev({ pid: 300, start_ns: "300", xid: "1", filename: "/usr/bin/bash" });
  const landscape = ev({
    pid: 500,
    start_ns: "500",
    xid: "1",
    filename: "/usr/bin/python3",
    argv: ["python3", "/usr/bin/landscape-sysinfo"],
  });
  const hit = {
    // the parent from its own record (the join)
    shell: child(rsync, { pid: 201, filename: "/bin/sh", argv: ["sh", "-c", "echo hi"] }),
    // case-insensitive endswith
    upper: child(rsync, { pid: 202, filename: "/usr/bin/DASH", argv: ["dash"] }),
    // parent not in the data: ParentCommandLine absent, `not filter` true (NULL in SQL)
    who: ev({ pid: 400, start_ns: "400", filename: "/usr/bin/who", argv: ["who"] }),
  };
  const miss = {
    // the rule's filter: CommandLine contains ' -e '
    filtered: child(rsync, { pid: 203, filename: "/bin/sh", argv: ["sh", "-e", "x"] }),
    // bash's failed exec of rsync has bash's exec id: a failed exec is no parent
    failedParent: ev({
      pid: 300,
      start_ns: "300",
      xid: "1",
      filename: "/usr/bin/rsync",
      ret: -2,
    }),
    notRsync: child(bash, { pid: 301, filename: "/bin/sh", argv: ["sh", "-c", "ls"] }),
    // a failed exec is no process creation
    failedWho: ev({ pid: 401, start_ns: "401", filename: "/usr/bin/who", ret: -2 }),
    // the filter on the parent's command line
    landscapeWho: child(landscape, { pid: 501, filename: "/usr/bin/who", argv: ["who"] }),
    // endswith '/bin/sh' (nice_shell_execution): not before a final newline
    niceNewline: ev({
      pid: 600,
      start_ns: "600",
      filename: "/usr/bin/nice",
      argv: ["nice", "/bin/sh\n"],
    }),
  };
  const all = [rsync, bash, landscape, ...Object.values(hit), ...Object.values(miss)];
  const { tables } = runInMemory([events()], [{
    host: "h1",
    lines: all.map(encodeExec),
  }], { day: DAY });
  const rows = tables.get("events")!;
  assert.equal(rows.length, all.length);

  const dir = await Deno.makeTempDir({ prefix: "sigma-sql-" });
  try {
    await writeEventsParquet(rows, `${dir}/events/dt=${DAY}`);
    const r = await sparkSqlSigma({
      eventsDir: `${dir}/events`,
      day: DAY,
      ruleDirs: [SIGMAHQ_PROCESS_CREATION.pathname],
      work: `${dir}/work`,
      master: "local[1]",
      driverMemory: "1g",
    });
    assert.equal(r.converted, 122);
    assert.deepEqual(r.failed, []);
    assert.equal(r.evaluated, 122);
    assert.deepEqual(
      [...r.matches].sort(),
      [
        `${rsyncSpawn}\t${execId(hit.shell)}`,
        `${rsyncSpawn}\t${execId(hit.upper)}`,
        `${netDiscovery}\t${execId(hit.who)}`,
      ].sort(),
    );
    assert.ok(Number.isFinite(r.querySeconds) && Number.isFinite(r.seconds));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
