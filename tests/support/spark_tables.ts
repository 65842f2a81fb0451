/**
 * Tables as Spark reads them back, and the in-memory engine's rows, in one
 * canonical form to compare: strings as the hex of their exact bytes,
 * timestamps as µs, longs as decimal text, rows sorted by their JSON.
 *
 * @module
 */

import type { Column, Json, Table } from "../../jobs/job.ts";
import { textToBytes } from "../../scripts/lib/text_bytes.ts";
import { findSparkHome } from "../../scripts/analyze/run.ts";

const hex = (s: string) =>
  Array.from(textToBytes(s), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();

function canonValue(v: Json | undefined, type: Column["type"]): Json {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "string":
      return hex(String(v));
    case "array<string>":
      return (v as Json[]).map((x) => (x === null ? null : hex(String(x))));
    case "timestamp":
      return String(BigInt(String(v)) / 1000n);
    case "long":
      return String(BigInt(String(v)));
    case "array<long>":
      return (v as Json[]).map((x) => (x === null ? null : String(BigInt(String(x)))));
    default:
      return v;
  }
}

/** In-memory rows of `table` in canonical form, sorted. */
export function canonRows(table: Table, rows: Record<string, Json>[]): string[] {
  return rows.map((r) =>
    JSON.stringify(
      Object.fromEntries(table.columns.map((c) => [c.name, canonValue(r[c.name], c.type)])),
    )
  ).sort();
}

const PY = `
import json, sys
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, ArrayType, TimestampType, LongType, BinaryType
s = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
req = json.loads(sys.argv[1])
out = {}
for t in req["tables"]:
    df = s.read.parquet(req["output"] + "/" + t["name"] + "/dt=" + req["day"])
    cols = []
    for c in t["columns"]:
        n = c["name"]
        ty = df.schema[n].dataType
        col = F.col("\`" + n + "\`")
        if isinstance(ty, StringType): col = F.hex(col.cast("binary"))
        elif isinstance(ty, ArrayType) and isinstance(ty.elementType, StringType):
            col = F.transform(col, lambda x: F.hex(x.cast("binary")))
        elif isinstance(ty, ArrayType) and isinstance(ty.elementType, LongType):
            col = F.transform(col, lambda x: x.cast("string"))
        elif isinstance(ty, ArrayType) and isinstance(ty.elementType, BinaryType):
            col = F.transform(col, lambda x: F.base64(x))
        elif isinstance(ty, BinaryType): col = F.base64(col)
        elif isinstance(ty, TimestampType): col = F.unix_micros(col).cast("string")
        elif isinstance(ty, LongType): col = col.cast("string")
        cols.append(col.alias(n))
    rows = [json.loads(j) for j in df.select(F.to_json(F.struct(*cols), {"ignoreNullFields": "false"})).rdd.map(lambda r: r[0]).collect()]
    out[t["name"]] = {"rows": sorted(json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in rows), "files": len(df.inputFiles())}
print("TABLES " + json.dumps(out))
`;

/** Every table of `tables` under `<output>/<table>/dt=<day>`, read by Spark, canonical and sorted. */
export async function sparkTables(
  output: string,
  day: string,
  tables: readonly Table[],
): Promise<Record<string, { rows: string[]; files: number }>> {
  const home = await findSparkHome();
  const py = `${home}/../../../../bin/python`;
  const out = await new Deno.Command(py, {
    args: ["-c", PY, JSON.stringify({ output, day, tables })],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const line = text.split("\n").find((l) => l.startsWith("TABLES "));
  if (out.code !== 0 || !line) {
    throw new Error(`reading tables failed: ${new TextDecoder().decode(out.stderr).slice(-600)}`);
  }
  const r = JSON.parse(line.slice(7));
  // Python's json.dumps sorts nothing: re-serialise in column order as canonRows does
  for (const t of tables) {
    r[t.name].rows = (r[t.name].rows as string[]).map((l) => {
      const o = JSON.parse(l);
      return JSON.stringify(Object.fromEntries(t.columns.map((c) => [c.name, o[c.name] ?? null])));
    }).sort();
  }
  return r;
}

const SQL_PY = `
import json, sys
from pyspark.sql import SparkSession
req = json.loads(sys.argv[1])
b = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
for k, v in req.get("conf", {}).items():
    b = b.config(k, v)
if req.get("hive"):
    b = b.enableHiveSupport()
s = b.getOrCreate()
for name, path in req.get("views", {}).items():
    s.read.parquet(path).createOrReplaceTempView(name)
rows = [r.asDict(recursive=True) for r in s.sql(req["query"]).collect()]
print("ROWS " + json.dumps(rows, default=str))
`;

/** Runs one Spark SQL query (views: name -> Parquet table directory; or a Hive catalog) and returns its rows. */
export async function sparkSql(
  query: string,
  o: {
    views?: Record<string, string>;
    conf?: Record<string, string>;
    hive?: boolean;
    cwd?: string;
  } = {},
): Promise<Record<string, Json>[]> {
  const home = await findSparkHome();
  const out = await new Deno.Command(`${home}/../../../../bin/python`, {
    args: ["-c", SQL_PY, JSON.stringify({ query, ...o })],
    stdout: "piped",
    stderr: "piped",
    cwd: o.cwd,
  }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("ROWS "));
  if (out.code !== 0 || !line) {
    throw new Error(`query failed: ${new TextDecoder().decode(out.stderr).slice(-800)}`);
  }
  return JSON.parse(line.slice(5));
}
