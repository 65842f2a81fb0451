"""Sigma rules as Spark SQL (pySigma's Databricks backend) over a day of the `events` table.

    spark-submit sigma_spark_sql.py [--strategy S] [--no-lower-columns] EVENTS_DAY RULES_JSON OUT

EVENTS_DAY: the day's Parquet directory of the events table (`<out>/events/dt=D/`, columns of
jobs/events.ts EVENTS_TABLE). RULES_JSON: bench/support/pysigma_databricks/convert.py's output.
OUT: written as JSON lines {"rule_id", "exec_id"}, one per match. The last line printed is
    SIGMA_SQL {"query_seconds", "total_seconds", "evaluated", "rejected": [{rule_id, error}]}
(query_seconds: the one query, from its start to the last match written; total_seconds: the
script from its first line, Spark's start included).

The events as Sigma's process_creation fields (the view `sigma_events`):
    Image = image, CommandLine = command_line, CurrentDirectory = cwd, User = uid as text,
    LogonId = auid, ProcessId = pid, ParentProcessId = ppid,
    ParentImage / ParentCommandLine = image / command_line of the parent's own exec record, same
    day: events p LEFT JOIN'd on p.exec_id = e.parent_exec_id (NULL when not in the day).
Failed execs (failed = true) are not process creations: neither evaluated nor parents. A record
without an exec id (the seed's version 0) has no parent. An E2 exec id names one image; an E1
one names a process, which may have exec'd more than once in the day: its parent record is then
the day's latest (jobs/lineage/chain.ts betterNode's rule; the sigma job's host index has the
latest before the child instead), so that the join adds no rows.

A rule is evaluated when pySigma converted it, its logsource is linux/process_creation, every
field it reads is a column of the view (names exact, as in Sigma) and Spark accepts its predicate
(analysis, and its regular expressions compile); the others are listed as rejected with why.

All rules in one pass (--strategy explode, the default): one SELECT over the view, each row's
matched rules as one string column of their numbers, `concat_ws(',', CASE WHEN p1 THEN '0' END,
..., CASE WHEN pN THEN 'N-1' END)` ("" for none), exploded (split on ',') into (rule_id,
exec_id) rows, the empty one dropped: the events are read, joined and tested once, every rule on
a row by compiled code. Why this form (measured on 400,000 synthetic rows, local[1], 122 rules,
warm JVM; the join alone: ~4 s):
  explode  ~21 s. The rules sit in a Project; when whole-stage codegen gives up on the size
           (it does here: "grows beyond 64 KB") Spark still compiles the projection, split into
           methods, with common subexpressions shared.
  array    explode(array_compact(array(CASE ..))): the Generate's non-whole-stage path
           evaluates its expressions interpreted (array_compact always is): 58-64 s on a cold
           JVM where explode took 51 s (not kept).
  filter   ~26 s: WHERE p1 OR ... OR pN, then the numbers on the rows left. A non-matching row
           (nearly all) tests every rule either way, and the Filter, pushed through the view's
           Project, reads lower(..) afresh in each predicate.
  union    SELECT 'id_i', exec_id FROM v WHERE p_i UNION ALL ...: the join's shuffles are reused
           but each rule re-reads and re-joins every row (N passes); not measured.
The backend lowercases a field for each comparison (`contains(lower(CommandLine), lower(..))`):
the view computes `lower(<field>)` once per row as a column and each predicate's `lower(<field>)`
(outside string literals) reads it: the same value, so the same answers, ~10% faster than
Spark's own subexpression sharing (--no-lower-columns: without). Most of the time left is
UTF8String.contains, a byte-by-byte search, some hundred per row.
"""

import json
import os
import re
import shutil
import sys
import time

T0 = time.time()

from pyspark.sql import SparkSession  # noqa: E402 - the clock starts before Spark's import

# Sigma field -> the events' expression (e: the record, p: its parent's record)
FIELDS = {
    "Image": "e.image",
    "CommandLine": "e.command_line",
    "CurrentDirectory": "e.cwd",
    "User": "CAST(e.uid AS STRING)",
    "LogonId": "e.auid",
    "ProcessId": "e.pid",
    "ParentProcessId": "e.ppid",
    "ParentImage": "p.image",
    "ParentCommandLine": "p.command_line",
}
STRING_FIELDS = ("Image", "CommandLine", "CurrentDirectory", "User", "ParentImage",
                 "ParentCommandLine")
LOGSOURCE = ("linux", "process_creation")

OK = "NOT coalesce(failed, false) AND exec_id IS NOT NULL"
VIEW = f"""
SELECT e.exec_id, {", ".join(f"{expr} AS `{name}`" for name, expr in FIELDS.items())}
FROM events e
LEFT JOIN (
  SELECT exec_id, image, command_line FROM events WHERE {OK} AND version >= 2
  UNION ALL
  SELECT exec_id, s.image, s.command_line FROM (
    SELECT exec_id, max_by(struct(image, command_line), time_ns) AS s
    FROM events WHERE {OK} AND version = 1 GROUP BY exec_id)
) p ON p.exec_id = e.parent_exec_id
WHERE NOT coalesce(e.failed, false)
"""


def lower_column(field):
    return f"__lc_{field}"


LOWER_CALL = re.compile(r"\blower\(\s*`?(" + "|".join(STRING_FIELDS) + r")`?\s*\)")
STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'", re.S)


def use_lower_columns(sql):
    """`lower(Field)` outside string literals -> the view's precomputed column."""
    out, at = [], 0
    for m in STRING_LITERAL.finditer(sql):
        out.append(LOWER_CALL.sub(lambda g: f"`{lower_column(g.group(1))}`", sql[at:m.start()]))
        out.append(m.group())
        at = m.end()
    out.append(LOWER_CALL.sub(lambda g: f"`{lower_column(g.group(1))}`", sql[at:]))
    return "".join(out)


def sql_string(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def one_line(error):
    text = " ".join(str(error).split())
    return text[:300]


def candidates(rules):
    """[(rule_id, predicate)] to try, and [(rule_id, error)] rejected before Spark sees them."""
    keep, rejected = [], []
    for rule_id in sorted(rules):
        r = rules[rule_id]
        if "sql" not in r:
            rejected.append((rule_id, f"pySigma: {r.get('error', 'no query')}"))
            continue
        source = (r.get("product"), r.get("category"))
        if source != LOGSOURCE:
            rejected.append((rule_id, f"logsource {source[0]}/{source[1]} is not linux/process_creation"))
            continue
        missing = [f for f in r.get("fields", []) if f not in FIELDS]
        if missing:
            rejected.append((rule_id, f"field {missing[0]!r} not in the events view"))
            continue
        keep.append((rule_id, r["sql"]))
    return keep, rejected


def validate(spark, preds):
    """The predicates Spark accepts, and [(rule_id, error)] for the others: all analysed and
    evaluated over one row of non-null values (regular expressions compile there) in one job;
    only when that fails, each alone to find which."""
    schema = ", ".join(
        [f"'/x' AS `{f}`" for f in STRING_FIELDS]
        + [f"'x' AS `{lower_column(f)}`" for f in STRING_FIELDS]
        + ["CAST(0 AS BIGINT) AS LogonId", "0 AS ProcessId", "0 AS ParentProcessId", "'x' AS exec_id"]
    )
    spark.sql(f"SELECT {schema}").createOrReplaceTempView("sigma_probe")

    def run(items):
        spark.sql("SELECT " + ", ".join(f"({p}) AS m{i}" for i, (_, p) in enumerate(items))
                  + " FROM sigma_probe").collect()

    try:
        if preds:
            run(preds)
        return preds, []
    except Exception:  # noqa: BLE001 - find which ones
        pass
    ok, bad = [], []
    for item in preds:
        try:
            run([item])
            ok.append(item)
        except Exception as error:  # noqa: BLE001
            bad.append((item[0], f"Spark: {one_line(error)}"))
    return ok, bad


def query(preds, strategy):
    """The one query: (rule_id, exec_id) rows."""
    if strategy == "union":
        return " UNION ALL ".join(
            f"SELECT {sql_string(i)} AS rule_id, exec_id FROM sigma_rows WHERE {p}" for i, p in preds
        )
    # the matched rules' numbers, "3,17" ("" for none): a Project, which Spark compiles (split
    # into methods when large) where a Generate over 122 CASEs falls back to being interpreted
    hits = "concat_ws(',', " + ", ".join(
        f"CASE WHEN {p} THEN '{n}' END" for n, (_, p) in enumerate(preds)) + ")"
    where = ""
    if strategy == "filter":
        where = " WHERE " + " OR ".join(f"coalesce({p}, false)" for _, p in preds)
    ids = "array(" + ", ".join(sql_string(i) for i, _ in preds) + ")"
    return (f"SELECT element_at({ids}, CAST(n AS INT) + 1) AS rule_id, exec_id FROM "
            f"(SELECT exec_id, {hits} AS hits FROM sigma_rows{where}) "
            f"LATERAL VIEW explode(split(hits, ',')) AS n WHERE n <> ''")


def main(argv):
    strategy, lower_columns = "explode", True
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--strategy" and argv and argv[0] in ("explode", "filter", "union"):
            strategy = argv.pop(0)
        elif flag == "--no-lower-columns":
            lower_columns = False
        else:
            print(f"sigma_spark_sql.py: unknown option {flag}", file=sys.stderr)
            return 2
    if len(argv) != 3:
        print("usage: sigma_spark_sql.py [--strategy explode|filter|union] [--no-lower-columns] "
              "EVENTS_DAY RULES_JSON OUT", file=sys.stderr)
        return 2
    events_day, rules_json, out = argv
    with open(rules_json, encoding="utf-8") as handle:
        rules = json.load(handle)
    spark = SparkSession.builder.appName("sigma (Spark SQL, pySigma databricks)").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    preds, rejected = candidates(rules)
    if lower_columns:
        preds = [(i, use_lower_columns(p)) for i, p in preds]
    preds, refused = validate(spark, preds)
    rejected += refused

    spark.read.parquet(events_day).createOrReplaceTempView("events")
    spark.sql(VIEW).createOrReplaceTempView("sigma_events")
    lowers = "".join(f", lower(`{f}`) AS `{lower_column(f)}`" for f in STRING_FIELDS)
    spark.sql(f"SELECT *{lowers if lower_columns else ''} FROM sigma_events") \
        .createOrReplaceTempView("sigma_rows")

    t_query = time.time()
    parts = out + ".parts"
    if preds:
        # Spark's JSON writer, in parallel: {"rule_id": .., "exec_id": ..} (a null exec_id left out)
        spark.sql(query(preds, strategy)).write.mode("overwrite").json(parts)
    n = 0
    with open(out, "w", encoding="utf-8") as handle:
        for name in sorted(os.listdir(parts)) if preds else []:
            if name.startswith("part-"):
                with open(os.path.join(parts, name), encoding="utf-8") as part:
                    for line in part:
                        handle.write(line)
                        n += 1
    query_seconds = time.time() - t_query
    if preds:
        shutil.rmtree(parts)
    spark.stop()
    print("SIGMA_SQL " + json.dumps({
        "query_seconds": round(query_seconds, 3),
        "total_seconds": round(time.time() - T0, 3),
        "evaluated": len(preds),
        "matches": n,
        "strategy": strategy,
        "rejected": [{"rule_id": i, "error": e} for i, e in sorted(rejected)],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
