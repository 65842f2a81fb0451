"""Convert Sigma rule files to SQLite queries with pySigma's sqlite backend.

    convert.py DIR... > rules.json

Every *.yml / *.yaml under each DIR (recursive, sorted by path, symlinks not followed) is read;
the output is one JSON object keyed by rule id (a rule without an id: "file:<path>") with
    {"sql": "SELECT * FROM logs WHERE ...", "title", "file", "category", "product", "fields"}
for a rule pySigma converts and {"error": "<one line>", "file", "title"?} for one it does not.
`file` is the path relative to its DIR, prefixed "<dir index>:" only when several DIRs are given
(the naming of jobs/sigma's readRuleFiles). No processing pipeline: the table's columns are named
as the Sigma fields (run_sqlite.py builds it). `fields` are the columns a query reads.

Run it with the venv of setup.sh (build/pysigma-venv/bin/python).
"""

import json
import os
import sys

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.rule import SigmaRule


def rule_files(dirs):
    """(file name as reported, absolute path) of every rule file, sorted per directory."""
    out = []
    for index, top in enumerate(dirs):
        found = []
        for root, subdirs, names in os.walk(top, followlinks=False):
            subdirs.sort()
            for name in names:
                path = os.path.join(root, name)
                if name.endswith((".yml", ".yaml")) and not os.path.islink(path):
                    found.append(os.path.relpath(path, top).replace(os.sep, "/"))
        for rel in sorted(found):
            out.append((f"{index}:{rel}" if len(dirs) > 1 else rel, os.path.join(top, rel)))
    return out


def one_line(error):
    """An exception as one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def convert_file(backend, file, text):
    """[(rule_id, entry)] for the rules of one file."""
    try:
        collection = SigmaCollection.from_yaml(text, collect_errors=True)
    except Exception as error:  # noqa: BLE001 - a bad file is reported, never fatal
        return [(f"file:{file}", {"error": one_line(error), "file": file})]
    if collection.errors and not collection.rules:
        return [(f"file:{file}", {"error": one_line(collection.errors[0]), "file": file})]
    out = []
    for item in collection.rules:
        rule_id = str(item.id) if getattr(item, "id", None) else f"file:{file}"
        entry = {"file": file, "title": item.title}
        if not isinstance(item, SigmaRule):
            entry["error"] = f"not a detection rule ({type(item).__name__})"
        elif item.errors:
            entry["error"] = one_line(item.errors[0])
        else:
            try:
                queries = backend.convert_rule(item)
                if len(queries) != 1:
                    raise ValueError(f"{len(queries)} queries for one rule")
                entry["sql"] = queries[0]
                entry["category"] = item.logsource.category
                entry["product"] = item.logsource.product
                entry["fields"] = backend.required_fields(item)
            except Exception as error:  # noqa: BLE001
                entry["error"] = one_line(error)
        out.append((rule_id, entry))
    return out


def main(dirs):
    if not dirs:
        print("usage: convert.py DIR... > rules.json", file=sys.stderr)
        return 2
    backend = sqliteBackend()
    result = {}
    for file, path in rule_files(dirs):
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
        for rule_id, entry in convert_file(backend, file, text):
            if rule_id in result:
                entry = {"error": f"duplicate rule id (also in {result[rule_id]['file']})",
                         "file": file}
                rule_id = f"file:{file}"
            result[rule_id] = entry
    json.dump(result, sys.stdout, indent=1, sort_keys=True, ensure_ascii=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
