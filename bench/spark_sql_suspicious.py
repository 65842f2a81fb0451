# The same answer as jobs/suspicious_exec.ts in native Spark SQL (DataFrame
# functions, all in the JVM): the engine's own limit, for bench/analyze.ts.
# usage: spark-submit spark_sql_suspicious.py ROOT DAY OUT_JSON
import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

root, day, out = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.appName("suspicious_exec (Spark SQL)").getOrCreate()
f = F.split(F.col("value"), "\t")
rows = (
    spark.read.text(f"{root}/dt={day}/*/*")
    .where((f[0] == "E1") & (F.element_at(f, -1) == "."))
    .select(
        f[10].alias("parent"),
        F.regexp_extract(f[23], r"([^/]*)$", 1).alias("command"),
        F.from_unixtime(F.substring(f[1], 1, 10).cast("long"), "yyyy-MM-dd").alias("day"),
    )
    .where((F.col("day") == day) & F.col("command").isin("ncat", "nc", "wget", "curl", "base64", "socat"))
    .groupBy("parent", "command").count()
    .where(F.col("count") > 10)
    .collect()
)
with open(out, "w") as fh:
    json.dump([{"parent": r["parent"], "command": r["command"], "count": r["count"]} for r in rows], fh)
spark.stop()
