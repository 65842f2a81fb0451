/**
 * The analysis on real Spark (the project's own distribution, from the
 * pyspark wheel): every table of every job equal to the in-memory engine's
 * on a hostile generated day, exact bytes read back by Spark; the events
 * table queried with Spark SQL; Hive registration and reruns; bad input and
 * bad options; input from the real HDFS; a standalone master with two workers.
 */

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { generateDay } from "./support/gen_day.ts";
import { analyze, AnalyzeError, findSparkHome } from "../scripts/analyze/run.ts";
import { runInMemory } from "../jobs/engine/memory.ts";
import { makeJobs } from "../jobs/mod.ts";
import { encodeExec } from "../scripts/logformat/mod.ts";
import { execEvent } from "./support/exec_event.ts";
import { concatBytes } from "../scripts/lib/text_bytes.ts";
import { layoutInputs, layoutKeys } from "./analyze_helpers.ts";
import { canonRows, sparkSql, sparkTables } from "./support/spark_tables.ts";
import { listingRpcs, startHdfs, stopHdfs, superClient } from "./hdfs_helpers.ts";

const DAY = "2026-11-27";
const NEXT = "2026-11-28";
const quiet = () => {};
const MAX_LINE = 4 << 20;
const ns = (s: number) =>
  String(BigInt(Date.parse(`${DAY}T00:00:00Z`) / 1000 + s) * 1_000_000_000n);

/** A hostile day: the generator's faults, plus an oversized line, conflict copies, odd names. */
async function hostileDay(root: string) {
  const g = await generateDay({
    root,
    day: DAY,
    hosts: 16,
    eventsPerHost: 800,
    seed: 5,
    scenario: true,
  });
  const dir = `${root}/dt=${DAY}/host=web-000.dc0.example.com`;
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  // a 300 MB line (a few hundred kB of gzip) then good lines: the later lines and files are read
  const big = new Uint8Array(300 << 20).fill(0x61);
  // six of each: over the job's threshold of 5
  const after = Array.from({ length: 6 }, (_, i) => [
    encodeExec(
      execEvent({
        time_ns: ns(40_000 + i),
        pcomm: "=cmd|' /C calc'!A0",
        filename: "/usr/bin/curl",
        argv: ["curl", "-s", "x"],
      }),
    ),
    encodeExec(
      execEvent({
        time_ns: ns(40_010 + i),
        pcomm: "bad\udcff\udcfe",
        filename: "/usr/bin/curl",
        argv: ["curl", "\udcff", "a\tb"],
      }),
    ),
    encodeExec(
      execEvent({
        time_ns: ns(40_020 + i),
        pcomm: "bad\udcfe\udcff",
        filename: "/usr/bin/curl",
        argv: ["curl"],
      }),
    ),
  ]).flat().join("\n");
  // a shell (E2 image ids) and the two curls it ran: the events query's parent join
  const family = [
    encodeExec(
      execEvent({
        time_ns: ns(39_000),
        pid: 500,
        start_ns: "5000000",
        xid: "7",
        comm: "bash",
        filename: "/bin/bash",
        argv: ["bash", "-c", "curl x; curl y"],
      }),
    ),
    ...[0, 1].map((i) =>
      encodeExec(
        execEvent({
          time_ns: ns(39_001 + i),
          pid: 510 + i,
          tid: 510 + i,
          ppid: 500,
          start_ns: String(6000000 + i),
          pstart_ns: "5000000",
          pxid: "7",
          xid: "8",
          pcomm: "bash",
          comm: "curl",
          filename: "/usr/bin/curl",
          argv: ["curl", i ? "y" : "x"],
        }),
      )
    ),
  ].join("\n");
  const parts = [big, new TextEncoder().encode("\n" + after + "\n" + family + "\n")];
  await Deno.writeFile(
    `${dir}/syscall_audit.20261127T100000.000000000Z.0.log.gz`,
    gzipSync(concatBytes(parts), { level: 1 }),
  );
  // the shipper's conflict copies: one with the same bytes (read once), one that differs
  const first = `${dir}/${names[0]}`;
  await Deno.copyFile(first, first.replace(/\.log\.gz$/, ".conflict-aaaaaaaaaaaaaaaa.log.gz"));
  await Deno.writeFile(
    first.replace(/\.0\.log\.gz$/, ".5.log.gz").replace(
      /\.log\.gz$/,
      ".conflict-bbbbbbbbbbbbbbbb.log.gz",
    ),
    gzipSync(
      new TextEncoder().encode(encodeExec(execEvent({ time_ns: ns(50_000), argv: ["x"] })) + "\n"),
    ),
  );
  return g;
}

async function reference(root: string, params: string[] = []) {
  const jobs = makeJobs(undefined, params);
  const r = runInMemory(jobs, await layoutInputs(root, DAY), {
    day: DAY,
    keys: await layoutKeys(root),
    maxLineBytes: MAX_LINE,
  });
  return { jobs, ...r };
}

Deno.test("analyze on Spark", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "analyze-test-" });
  const day = `${tmp}/day`;
  await hostileDay(day);
  const params = ["suspicious_exec.threshold=5"];
  const want = await reference(day, params);
  const tables = want.jobs.flatMap((j) => j.tables);
  try {
    await t.step(
      "every table equals the in-memory engine's, exact bytes read back by Spark",
      async () => {
        const r = await analyze({
          date: DAY,
          input: day,
          output: `${tmp}/out`,
          master: "local[2]",
          params,
          progress: quiet,
        });
        const got = await sparkTables(`${tmp}/out`, DAY, tables);
        for (const table of tables) {
          const w = canonRows(table, want.tables.get(table.name)!);
          assert.equal(r.tables[table.name].rows, w.length, table.name);
          assert.deepStrictEqual(got[table.name].rows, w, table.name);
        }
        for (
          const k of [
            "input/records",
            "input/torn",
            "input/unknown-version",
            "input/line_too_long",
            "input/corrupt_files",
            "suspicious_exec/matched",
          ]
        ) {
          assert.equal(r.counters[k] ?? 0, want.counters.values.get(k) ?? 0, k);
        }
        assert.equal(r.counters["input/line_too_long"], 1);
        // the story's attack chain, found by the project's Sigma rules on Spark as in memory
        const rules = got.sigma_rules.rows.map((x) => JSON.parse(x));
        assert.ok(rules.length >= 7 && rules.every((x) => x.evaluated === true), "rules evaluated");
        assert.ok(got.sigma_matches.rows.length >= 6, "sigma matches");
        // the day's page, beside the tables
        const page = await Deno.readTextFile(r.report!);
        assert.equal(r.report, `${tmp}/out/report-${DAY}.html`);
        assert.ok(page.includes("Download Piped To A Shell"), "the rule's title on the page");
        assert.ok(!page.includes("<script>alert(1)</script>"), "hostile argv escaped");
        assert.equal(r.counters["input/conflict_duplicates"], 1);
        assert.equal(r.counters["input/conflict_files"], 1);
        // two invalid UTF-8 parent names stay two rows; a formula-like name is neutralised in CSV
        const csv = await Deno.readFile(r.tables.suspicious_exec.csv!);
        const text = new TextDecoder().decode(csv);
        assert.match(text, /^'=cmd\|' \/C calc'!A0,curl,/m);
        assert.ok(
          csv.join(",").includes([0x62, 0x61, 0x64, 0xff, 0xfe].join(",")),
          "raw bytes kept",
        );
        assert.ok(
          csv.join(",").includes([0x62, 0x61, 0x64, 0xfe, 0xff].join(",")),
          "raw bytes kept",
        );
      },
    );

    await t.step(
      "the events query of docs/analysis.md gives the processes and their parents",
      async () => {
        const doc = await Deno.readTextFile(new URL("../docs/analysis.md", import.meta.url));
        const sql = /```sql\n([\s\S]*?)```/.exec(doc)![1];
        const events = want.tables.get("events")!;
        // the host with the most curl execs whose parent is in the data
        const byId = new Map(events.map((e) => [e.exec_id, e]));
        const count = new Map<string, number>();
        for (const e of events) {
          if (String(e.image).endsWith("/curl") && byId.has(e.parent_exec_id as string)) {
            count.set(e.host as string, (count.get(e.host as string) ?? 0) + 1);
          }
        }
        const host = [...count].sort((a, b) => b[1] - a[1])[0][0];
        const rows = await sparkSql(sql.replace("'web-17'", `'${host.replace(/'/g, "\\'")}'`), {
          views: { events: `${tmp}/out/events` },
        });
        const expect = events.filter((e) => e.host === host && String(e.image).endsWith("/curl"))
          .map((e) =>
            JSON.stringify([
              e.exec_id,
              (byId.get(e.parent_exec_id as string)?.image as string) ?? null,
            ])
          );
        assert.ok(expect.length >= 2, `${expect.length} curl execs on ${host}`);
        assert.deepStrictEqual(
          rows.map((r) => JSON.stringify([r.exec_id, r.parent_image])).sort(),
          expect.sort(),
        );
      },
    );

    await t.step(
      "the next day reads this day's tables as side inputs; a corrupt one is one clear line",
      async () => {
        const next = `${tmp}/next`;
        await generateDay({
          root: next,
          day: NEXT,
          hosts: 4,
          eventsPerHost: 200,
          seed: 9,
          faults: false,
        });
        const r = await analyze({
          date: NEXT,
          input: next,
          output: `${tmp}/out`,
          master: "local[2]",
          progress: quiet,
        });
        assert.equal(r.counters["side/lineage.previous_missing"] ?? 0, 0);
        assert.equal(r.counters["side/coverage.previous_missing"] ?? 0, 0);
        assert.ok(
          (r.counters["side/lineage.previous"] ?? 0) > 0,
          "previous day's events handed to lineage",
        );
        assert.ok((r.counters["sigma/previous_nodes"] ?? 0) > 0, "and to sigma");
        assert.equal(r.counters["side/novelty.previous_missing"] ?? 0, 0, "novelty's state read");
        // hosts of the first day that did not report on the next are missing
        const cov = await sparkSql(`SELECT verdict, count(*) AS n FROM c GROUP BY verdict`, {
          views: { c: `${tmp}/out/coverage/dt=${NEXT}` },
        });
        assert.ok(
          cov.some((c) => c.verdict === "missing" && Number(c.n) >= 12),
          JSON.stringify(cov),
        );
        // a day without a previous one: notes, not failures
        const lone = await analyze({
          date: "2026-10-01",
          input: next,
          output: `${tmp}/out-lone`,
          master: "local[1]",
          jobs: ["coverage", "lineage", "sigma", "novelty"],
          progress: quiet,
        });
        assert.equal(lone.counters["side/lineage.previous_missing"], 1);
        assert.equal(lone.counters["side/sigma.previous_missing"], 1);
        assert.equal(lone.counters["side/novelty.previous_missing"], 1);
        assert.ok(
          lone.notes.some((n) => /side input lineage\.previous: no events for 2026-09-30/.test(n)),
          lone.notes.join("; "),
        );
        // a corrupt Parquet file of the previous day (in a copy of the outputs)
        await Deno.mkdir(`${tmp}/out-corrupt/events`, { recursive: true });
        const copy = await new Deno.Command("cp", {
          args: ["-r", `${tmp}/out/events/dt=${DAY}`, `${tmp}/out-corrupt/events/`],
        }).output();
        assert.equal(copy.code, 0);
        const dir = `${tmp}/out-corrupt/events/dt=${DAY}`;
        for (const f of Deno.readDirSync(dir)) {
          if (f.name.endsWith(".parquet")) {
            await Deno.writeTextFile(`${dir}/${f.name}`, "not parquet at all");
          }
        }
        const err = await analyze({
          date: NEXT,
          input: next,
          output: `${tmp}/out-corrupt`,
          master: "local[1]",
          jobs: ["lineage"],
          progress: quiet,
        })
          .then(() => undefined, (e) => e as AnalyzeError);
        assert.ok(err instanceof AnalyzeError, String(err));
        assert.match(
          err.message,
          /Cannot read side input lineage\.previous \(.*events\/dt=2026-11-27\)/,
        );
        assert.equal(err.message.includes("\n"), false);
      },
    );

    await t.step("Hive tables for every output; a rerun of the day replaces its rows", async () => {
      // Spark's embedded Hive metastore (Derby) in the test's directory
      const conf: Record<string, string> = {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": `${tmp}/warehouse`,
        "spark.hadoop.javax.jdo.option.ConnectionURL":
          `jdbc:derby:;databaseName=${tmp}/metastore_db;create=true`,
        "spark.driver.extraJavaOptions": `-Dderby.system.home=${tmp}`,
      };
      const run = () =>
        analyze({
          date: DAY,
          input: day,
          output: `${tmp}/out-hive`,
          master: "local[2]",
          params,
          conf: Object.entries(conf).map(([k, v]) => `${k}=${v}`),
          hiveTablePrefix: "default.audit_",
          progress: quiet,
        });
      await run();
      const r = await run();
      const q = tables.map((tb) =>
        `SELECT '${tb.name}' AS t, count(*) AS n FROM default.audit_${tb.name} WHERE dt = '${DAY}'`
      )
        .join(" UNION ALL ");
      const rows = await sparkSql(q, { conf, hive: true, cwd: tmp });
      for (const tb of tables) {
        assert.equal(
          Number(rows.find((x) => x.t === tb.name)?.n),
          want.tables.get(tb.name)!.length,
          tb.name,
        );
        assert.equal(r.tables[tb.name].hive, `default.audit_${tb.name}`);
      }
    });

    await t.step(
      "a rerun replaces dt=D whatever it produces; another day's CSV stays",
      async () => {
        const before = await Deno.readTextFile(`${tmp}/out/suspicious_exec-${DAY}.csv`);
        const empty = `${tmp}/empty`;
        await Deno.mkdir(`${empty}/dt=2026-11-28`, { recursive: true });
        const r = await analyze({
          date: "2026-11-28",
          input: empty,
          output: `${tmp}/out`,
          master: "local[1]",
          progress: quiet,
        });
        assert.equal(r.tables.suspicious_exec.rows, 0);
        assert.equal(await Deno.readTextFile(`${tmp}/out/suspicious_exec-${DAY}.csv`), before);
        // the same day again from an empty input: its partition is emptied
        const r2 = await analyze({
          date: DAY,
          input: empty,
          output: `${tmp}/out`,
          master: "local[1]",
          progress: quiet,
        });
        assert.equal(r2.tables.suspicious_exec.rows, 0);
        const got = await sparkTables(`${tmp}/out`, DAY, tables);
        for (const table of tables) assert.deepStrictEqual(got[table.name].rows, [], table.name);
      },
    );

    await t.step("bad options fail before Spark with one line", async () => {
      const base = { date: DAY, input: day, output: `${tmp}/out-bad`, progress: quiet };
      await assert.rejects(
        analyze({ ...base, date: "2026-02-30" }),
        /--date must be a calendar day like 2026-11-27: got "2026-02-30"/,
      );
      await assert.rejects(
        analyze({ ...base, params: ["suspicious_exec.nosuch=1"] }),
        /unknown parameter of suspicious_exec/,
      );
      await assert.rejects(
        analyze({ ...base, params: ["threshold=1"] }),
        /--param must be <job>\.<name>=value/,
      );
      await Deno.writeTextFile(`${tmp}/a-file`, "x");
      await assert.rejects(
        analyze({ ...base, output: `${tmp}/a-file` }),
        /--output ".*a-file" is a file, not a directory/,
      );
    });

    await t.step("Spark's failure comes back as one readable line naming the log", async () => {
      const err = await analyze({
        date: DAY,
        input: "nosuchfs://nowhere/raw",
        output: `${tmp}/out-fail`,
        master: "local[1]",
        progress: quiet,
      }).then(() => undefined, (e) => e as AnalyzeError);
      assert.ok(err instanceof AnalyzeError, String(err));
      assert.match(
        err.message,
        /^Spark failed for 2026-11-27: .*No FileSystem for scheme "nosuchfs".* \(log: .*analyze-2026-11-27\.log\)$/,
      );
      assert.equal(err.message.includes("\n"), false);
    });

    await t.step(
      "input from the real HDFS (hdfs:// and webhdfs://), listed in few calls",
      async () => {
        const hdfs = await startHdfs("test-analyze");
        const client = superClient(hdfs);
        try {
          for await (const h of Deno.readDir(`${day}/dt=${DAY}`)) {
            for await (const f of Deno.readDir(`${day}/dt=${DAY}/${h.name}`)) {
              await client.mkdirs(`/raw/dt=${DAY}/${h.name}`);
              await client.create(
                `/raw/dt=${DAY}/${h.name}/${f.name}`,
                await Deno.readFile(`${day}/dt=${DAY}/${h.name}/${f.name}`),
              );
            }
          }
          const before = await listingRpcs(hdfs);
          await analyze({
            date: DAY,
            input: `${hdfs.hdfs}/raw`,
            output: `${tmp}/out-hdfs`,
            master: "local[2]",
            params,
            progress: quiet,
          });
          const rpcs = await listingRpcs(hdfs) - before;
          const got = await sparkTables(`${tmp}/out-hdfs`, DAY, tables);
          for (const table of tables) {
            assert.deepStrictEqual(
              got[table.name].rows,
              canonRows(table, want.tables.get(table.name)!),
              table.name,
            );
          }
          // 16 host directories: one listing of dt=D, one batched listing of them (the NameNode's count)
          assert.ok(rpcs <= 3, `${rpcs} listing RPCs`);
          const w = await analyze({
            date: DAY,
            input: `${hdfs.url}/raw`,
            output: `${hdfs.hdfs}/results`,
            master: "local[2]",
            params,
            progress: quiet,
          });
          assert.equal(w.tables.suspicious_exec.rows, want.tables.get("suspicious_exec")!.length);
          const csv = new TextDecoder().decode(
            await client.readAll(`/results/suspicious_exec-${DAY}.csv`),
          );
          assert.equal(
            csv.trim().split("\n").length,
            want.tables.get("suspicious_exec")!.length + 1,
          );
        } finally {
          client.close();
          await stopHdfs(hdfs);
        }
      },
    );

    await t.step(
      "a standalone master and two workers, executors using the shipped deno",
      async () => {
        // the pyspark wheel has no sbin/start-*.sh: start the daemons with spark-class
        const home = await findSparkHome();
        const work = `${tmp}/spark-work`;
        const env = {
          SPARK_HOME: home,
          SPARK_LOCAL_IP: "127.0.0.1",
          SPARK_LOG_DIR: `${tmp}/spark-logs`,
        };
        const daemon = (cls: string, args: string[]) =>
          new Deno.Command(`${home}/bin/spark-class`, {
            args: [cls, ...args],
            env,
            stdout: "null",
            stderr: "null",
          }).spawn();
        const procs = [
          daemon("org.apache.spark.deploy.master.Master", [
            "--host",
            "127.0.0.1",
            "--port",
            "17077",
            "--webui-port",
            "18080",
          ]),
        ];
        try {
          for (let i = 0; i < 2; i++) {
            procs.push(daemon("org.apache.spark.deploy.worker.Worker", [
              "--host",
              "127.0.0.1",
              "--cores",
              "1",
              "--memory",
              "1g",
              "--webui-port",
              "0",
              "--work-dir",
              `${work}/${i}`,
              "spark://127.0.0.1:17077",
            ]));
          }
          const end = Date.now() + 60_000;
          for (;;) {
            const alive = await fetch("http://127.0.0.1:18080/json/").then((r) => r.json()).then((
              j,
            ) => j.aliveworkers).catch(() => 0);
            if (alive === 2) break;
            if (Date.now() > end) throw new Error("the standalone cluster did not come up");
            await new Promise((r) => setTimeout(r, 500));
          }
          const r = await analyze({
            date: DAY,
            input: day,
            output: `${tmp}/out-standalone`,
            master: "spark://127.0.0.1:17077",
            params,
            partitions: 2,
            progress: quiet,
            conf: ["spark.driver.host=127.0.0.1", "spark.executor.memory=768m"],
          });
          const got = await sparkTables(`${tmp}/out-standalone`, DAY, tables);
          for (const table of tables) {
            assert.deepStrictEqual(
              got[table.name].rows,
              canonRows(table, want.tables.get(table.name)!),
              table.name,
            );
          }
          assert.ok(r.executor_deno.startsWith(`${work}/`), r.executor_deno);
        } finally {
          for (const p of procs) {
            try {
              p.kill("SIGTERM");
            } catch {
              // gone
            }
            await p.status;
          }
        }
      },
    );
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
