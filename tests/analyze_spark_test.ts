/**
 * The analysis on real Spark (the project's own distribution, from the
 * pyspark wheel): local mode and a standalone master with two workers, input
 * from local files and from the real HDFS; results equal to the in-memory
 * engine's on the same generated day.
 */

import assert from "node:assert/strict";
import { generateDay } from "./support/gen_day.ts";
import { analyze, AnalyzeError, findSparkHome } from "../scripts/analyze/run.ts";
import { byKey, csvRows, inMemory } from "./analyze_helpers.ts";
import { startHdfs, stopHdfs, superClient } from "./hdfs_helpers.ts";

const DAY = "2026-11-27";
const quiet = () => {};

Deno.test("analyze on Spark", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "analyze-test-" });
  const clean = `${tmp}/clean`;
  await generateDay({
    root: clean,
    day: DAY,
    hosts: 24,
    eventsPerHost: 1500,
    faults: false,
    seed: 3,
  });
  const want = await inMemory(clean, DAY, 5);
  assert.ok(want.rows.length >= 4, `${want.rows.length} rows`);
  const params = ["threshold=5"];
  try {
    await t.step("local mode gives the in-memory engine's rows, as CSV and Parquet", async () => {
      const [r] = await analyze({
        date: DAY,
        input: clean,
        output: `${tmp}/out-local`,
        master: "local[2]",
        params,
        progress: quiet,
      });
      assert.deepStrictEqual(await csvRows(r.csv), [...want.rows].sort(byKey));
      assert.equal(r.rows, want.rows.length);
      assert.equal(r.counters["input/records"], want.counters.values.get("input/records"));
      assert.equal(
        r.counters["suspicious_exec/matched"],
        want.counters.values.get("suspicious_exec/matched"),
      );
      // Parquet, partitioned by dt, read back by Spark itself
      const home = await findSparkHome();
      const py = `${home}/../../../../bin/python`;
      const read = await new Deno.Command(py, {
        args: [
          "-c",
          `from pyspark.sql import SparkSession
s = SparkSession.builder.master("local[1]").getOrCreate()
df = s.read.parquet("${r.parquet}")
print(df.where("dt = '${DAY}'").count(), sorted(df.columns))`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(read.code, 0, new TextDecoder().decode(read.stderr).slice(-500));
      assert.equal(
        new TextDecoder().decode(read.stdout).trim(),
        `${want.rows.length} ['command', 'count', 'dt', 'parent']`,
      );
    });

    await t.step(
      "registered in a Hive metastore; a rerun of the day replaces its partition",
      async () => {
        // Spark's embedded Hive metastore (Derby) in the test's directory
        const conf = [
          "spark.sql.catalogImplementation=hive",
          `spark.sql.warehouse.dir=${tmp}/warehouse`,
          `spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=${tmp}/metastore_db;create=true`,
          `spark.driver.extraJavaOptions=-Dderby.system.home=${tmp}`,
        ];
        const run = () =>
          analyze({
            date: DAY,
            input: clean,
            output: `${tmp}/out-hive`,
            master: "local[2]",
            params,
            conf,
            hiveTablePrefix: "default.audit_",
            progress: quiet,
          });
        await run();
        await run();
        const home = await findSparkHome();
        const read = await new Deno.Command(`${home}/../../../../bin/python`, {
          args: [
            "-c",
            `from pyspark.sql import SparkSession
b = SparkSession.builder.master("local[1]").enableHiveSupport()
${
              conf.map((c) =>
                `b = b.config("${c.slice(0, c.indexOf("="))}", "${c.slice(c.indexOf("=") + 1)}")`
              ).join("\n")
            }
s = b.getOrCreate()
print(s.sql("SELECT count(*) AS n, sum(count) AS total FROM default.audit_suspicious_exec WHERE dt = '${DAY}'").collect()[0])`,
          ],
          stdout: "piped",
          stderr: "piped",
          cwd: tmp,
        }).output();
        assert.equal(read.code, 0, new TextDecoder().decode(read.stderr).slice(-800));
        const total = want.rows.reduce((n, r) => n + r.count, 0);
        assert.equal(
          new TextDecoder().decode(read.stdout).trim(),
          `Row(n=${want.rows.length}, total=${total})`,
        );
      },
    );

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
        /^Spark failed for suspicious_exec on 2026-11-27: .*No FileSystem for scheme "nosuchfs".* \(log: .*suspicious_exec-2026-11-27\.log\)$/,
      );
      assert.equal(err.message.includes("\n"), false);
    });

    await t.step("bad input is counted and the job completes", async () => {
      const bad = `${tmp}/bad`;
      await generateDay({
        root: bad,
        day: DAY,
        hosts: 6,
        eventsPerHost: 300,
        faults: true,
        seed: 4,
      });
      const [r] = await analyze({
        date: DAY,
        input: bad,
        output: `${tmp}/out-bad`,
        master: "local[2]",
        params,
        progress: quiet,
      });
      assert.equal(r.counters["input/files"], 7);
      assert.equal(r.counters["input/corrupt_files"], 1); // the truncated gzip
      assert.equal(r.counters["input/torn"], 1);
      assert.equal(r.counters["input/unknown-version"], 1);
    });

    await t.step("input from the real HDFS (hdfs:// and webhdfs://)", async () => {
      const hdfs = await startHdfs("test-analyze");
      const client = superClient(hdfs);
      try {
        for await (const h of Deno.readDir(`${clean}/dt=${DAY}`)) {
          for await (const f of Deno.readDir(`${clean}/dt=${DAY}/${h.name}`)) {
            await client.mkdirs(`/raw/dt=${DAY}/${h.name}`);
            await client.create(
              `/raw/dt=${DAY}/${h.name}/${f.name}`,
              await Deno.readFile(`${clean}/dt=${DAY}/${h.name}/${f.name}`),
            );
          }
        }
        const [r] = await analyze({
          date: DAY,
          input: `${hdfs.hdfs}/raw`,
          output: `${tmp}/out-hdfs`,
          master: "local[2]",
          params,
          progress: quiet,
        });
        assert.deepStrictEqual(await csvRows(r.csv), [...want.rows].sort(byKey));
        // and through WebHDFS, results written into HDFS this time
        const [w] = await analyze({
          date: DAY,
          input: `${hdfs.url}/raw`,
          output: `${hdfs.hdfs}/results`,
          master: "local[2]",
          params,
          progress: quiet,
        });
        assert.equal(w.rows, want.rows.length);
        const csv = new TextDecoder().decode(await client.readAll("/results/suspicious_exec.csv"));
        assert.equal(csv.trim().split("\n").length, want.rows.length + 1);
        assert.ok(
          (await client.listStatus(`/results/suspicious_exec/dt=${DAY}`)).some((f) =>
            f.pathSuffix.endsWith(".parquet")
          ),
        );
      } finally {
        client.close();
        await stopHdfs(hdfs);
      }
    });

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
          // until the master sees both workers
          const end = Date.now() + 60_000;
          for (;;) {
            const alive = await fetch("http://127.0.0.1:18080/json/").then((r) => r.json()).then((
              j,
            ) => j.aliveworkers)
              .catch(() => 0);
            if (alive === 2) break;
            if (Date.now() > end) throw new Error("the standalone cluster did not come up");
            await new Promise((r) => setTimeout(r, 500));
          }
          const [r] = await analyze({
            date: DAY,
            input: clean,
            output: `${tmp}/out-standalone`,
            master: "spark://127.0.0.1:17077",
            params,
            partitions: 2,
            progress: quiet,
            conf: ["spark.driver.host=127.0.0.1", "spark.executor.memory=768m"],
          });
          assert.deepStrictEqual(await csvRows(r.csv), [...want.rows].sort(byKey));
          // the executors ran the deno binary Spark shipped into their work directory
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
