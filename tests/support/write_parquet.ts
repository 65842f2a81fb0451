/**
 * Rows of one of the project's tables written as that table's Parquet day
 * (`<output>/<table>/dt=D/`) by Spark itself, with the table's column
 * types: how the demo and the benchmarks give a job an earlier day's table
 * (novelty's 30-day baseline) without running 30 days.
 *
 * @module
 */

import type { Column, Json, Table } from "../../jobs/job.ts";
import { findSparkHome } from "../../scripts/analyze/run.ts";

const SQL_TYPES: Record<Column["type"], string> = {
  string: "STRING",
  int: "INT",
  long: "BIGINT",
  double: "DOUBLE",
  boolean: "BOOLEAN",
  timestamp: "BIGINT", // ns as a number, converted below
  binary: "STRING", // base64, converted below
  "array<string>": "ARRAY<STRING>",
  "array<binary>": "ARRAY<STRING>",
  "array<long>": "ARRAY<BIGINT>",
};

const PY = `
import json, sys
from pyspark.sql import SparkSession, functions as F
req = json.loads(sys.argv[1])
s = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false") \\
    .config("spark.sql.session.timeZone", "UTC").getOrCreate()
df = s.read.schema(req["ddl"]).json(req["json"])
for c in req["timestamps"]:
    df = df.withColumn(c, F.timestamp_micros(F.expr("\`%s\` div 1000" % c)))
for c in req["binaries"]:
    df = df.withColumn(c, F.unbase64(F.col(c)))
df.coalesce(1).write.mode("overwrite").parquet(req["out"])
print("WROTE %d" % s.read.parquet(req["out"]).count())
`;

/** Writes `rows` as `<output>/<table>/dt=<day>/` (replacing it); returns the rows Spark read back. */
export async function writeTableParquet(
  table: Table,
  rows: readonly Record<string, Json>[],
  output: string,
  day: string,
): Promise<number> {
  const work = await Deno.makeTempDir({ prefix: "write-parquet-" });
  try {
    const json = `${work}/rows.json`;
    await Deno.writeTextFile(
      json,
      rows.map((r) =>
        JSON.stringify(
          Object.fromEntries(table.columns.map((c) => {
            const v = r[c.name];
            // longs and timestamps as decimal text become bare JSON numbers, exact past 2^53
            const bare = (c.type === "long" || c.type === "timestamp") && typeof v === "string";
            return [c.name, bare ? `\0N${v}` : v ?? null];
          })),
        ).replace(/"\\u0000N(-?\d+)"/g, "$1")
      ).join("\n") + "\n",
    );
    const home = await findSparkHome();
    const out = await new Deno.Command(`${home}/../../../../bin/python`, {
      args: [
        "-c",
        PY,
        JSON.stringify({
          ddl: table.columns.map((c) => `\`${c.name}\` ${SQL_TYPES[c.type]}`).join(", "),
          json,
          timestamps: table.columns.filter((c) => c.type === "timestamp").map((c) => c.name),
          binaries: table.columns.filter((c) => c.type === "binary").map((c) => c.name),
          out: `${output}/${table.name}/dt=${day}`,
        }),
      ],
      env: { SPARK_HOME: home },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
      l.startsWith("WROTE ")
    );
    if (out.code !== 0 || !line) {
      throw new Error(
        `Cannot write ${table.name} for ${day}: ${
          new TextDecoder().decode(out.stderr).slice(-600)
        }`,
      );
    }
    return Number(line.slice(6));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
