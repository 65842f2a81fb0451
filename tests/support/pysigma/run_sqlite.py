"""Run the queries of convert.py over events in an in-memory SQLite table.

    run_sqlite.py rules.json events.jsonl > matches.jsonl

events.jsonl: one JSON object per line, `exec_id` plus Sigma fields (Image, CommandLine,
ParentImage, ParentCommandLine, CurrentDirectory, User, LogonId, ProcessId, ParentProcessId, and
any other); a field an event lacks (or null) is NULL. Prints {"rule_id", "exec_id"} per match
(rules in id order, events in table order: input order) and {"rule_id", "error"} for a query SQLite refuses.
Rules convert.py could not convert are skipped.

What makes the backend's SQL mean what Sigma means here:
- Case: every column is TEXT COLLATE NOCASE (as Zircolite builds its table), so the backend's
  plain `=` is case-insensitive; its LIKE (contains/startswith/endswith/wildcards) is
  case-insensitive anyway and GLOB (|cased) case-sensitive. SQLite folds ASCII letters only, for
  both: a non-ASCII letter matches only itself.
- Wildcards: `*`/`?` become LIKE `%`/`_` with `\\` escapes (the backend escapes literal `%`, `_`,
  `\\` in rule values); LIKE's `%` also spans newlines, as Sigma's `*` does.
- Regular expressions: SQLite has no REGEXP function of its own; the one registered here is
  Python's `re.search` (unanchored, as PCRE matches) with re.ASCII, so `\\s`, `\\w`, `\\d` and
  `(?i)` are ASCII-only as in PCRE without UTF/UCP. The backend passes Sigma's |re flags as
  inline `(?i)` `(?m)` `(?s)` prefixes, which `re` reads. A NULL field never matches.
- Absent fields: NULL; the backend wraps each NOT operand in COALESCE(.., 0), so
  `not filter` on an absent field is true (Sigma's reading), not SQL's NULL.
- Raw bytes: text with U+DC80..U+DCFF (an invalid byte b, the project's convention) cannot be
  bound as UTF-8; each such char becomes U+10FF00+b (a private-use char no rule contains): one
  char for one, folded by neither side, matched by `.`, not by `\\s`, so answers do not change.
"""

import functools
import json
import re
import sqlite3
import sys

STANDARD_FIELDS = (
    "Image", "CommandLine", "ParentImage", "ParentCommandLine", "CurrentDirectory", "User",
    "LogonId", "ProcessId", "ParentProcessId",
)
RAW_BYTE = re.compile("[\udc80-\udcff]")


@functools.lru_cache(maxsize=None)
def compiled(pattern):
    return re.compile(pattern, re.ASCII)


def regexp(pattern, value):
    """SQLite's `value REGEXP pattern`: Sigma's |re (see the module doc)."""
    if value is None or pattern is None:
        return None
    return 1 if compiled(pattern).search(str(value)) else 0


def bindable(value):
    """An event value as SQLite stores it: raw-byte chars mapped to private-use chars."""
    if value is None or isinstance(value, bool):
        return None if value is None else ("true" if value else "false")
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):
        raise ValueError(f"event value {value!r} is not a string, number or null")
    return RAW_BYTE.sub(lambda m: chr(0x10FF00 + (ord(m.group()) - 0xDC00)), value)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def load_events(path):
    events = []
    with open(path, encoding="utf-8", errors="surrogatepass") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                event = json.loads(line)
                if not isinstance(event, dict) or not isinstance(event.get("exec_id"), str):
                    raise ValueError(f"{path}:{number}: not an object with a string exec_id")
                events.append(event)
    return events


def main(argv):
    if len(argv) != 2:
        print("usage: run_sqlite.py rules.json events.jsonl > matches.jsonl", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        rules = json.load(handle)
    events = load_events(argv[1])
    columns = list(STANDARD_FIELDS)
    seen = {c.lower() for c in columns} | {"exec_id", "rowid"}
    extra = [k for e in events for k in e] + [f for r in rules.values() for f in r.get("fields", [])]
    for name in extra:
        if name.lower() not in seen:
            seen.add(name.lower())
            columns.append(name)
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, regexp, deterministic=True)
    db.execute(
        "CREATE TABLE logs (exec_id TEXT NOT NULL, "
        + ", ".join(f"{quote(c)} TEXT COLLATE NOCASE" for c in columns) + ")"
    )
    db.executemany(
        f"INSERT INTO logs VALUES ({', '.join('?' * (len(columns) + 1))})",
        ([e["exec_id"]] + [bindable(e.get(c)) for c in columns] for e in events),
    )
    out = sys.stdout
    for rule_id in sorted(rules):
        sql = rules[rule_id].get("sql")
        if sql is None:
            continue
        try:
            rows = db.execute(f"SELECT exec_id FROM ({sql})").fetchall()
        except sqlite3.Error as error:
            out.write(json.dumps({"rule_id": rule_id, "error": f"sqlite: {error}"}) + "\n")
            continue
        for (exec_id,) in rows:
            out.write(json.dumps({"rule_id": rule_id, "exec_id": exec_id}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
