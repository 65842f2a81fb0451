"""Convert Sigma rule files to Spark SQL predicates with pySigma's Databricks backend.

    convert.py [--stock] DIR... > rules.json

Every *.yml / *.yaml under each DIR (recursive, sorted by path, symlinks not followed) is read;
the output is one JSON object keyed by rule id (a rule without an id: "file:<path>") with
    {"sql": "<predicate>", "title", "file", "category", "product", "fields", "stock"?}
for a rule pySigma converts and {"error": "<one line>", "file", "title"?} for one it does not.
`sql` is a boolean Spark SQL expression over columns named as the Sigma fields (no processing
pipeline: bench/support/sigma_spark_sql.py builds a view with those names). `file` is the path
relative to its DIR, prefixed "<dir index>:" only when several DIRs are given (the naming of
jobs/sigma's readRuleFiles). `fields` are the columns the predicate reads.

What this adds to the stock backend so that the SQL means what Sigma means (--stock: none of it;
an entry whose predicate differs from the stock one carries the stock text as "stock", so the
rules these points touch are listed by the output itself):
- NOT over NULL: an absent field (NULL: e.g. ParentImage of an exec whose parent is not in the
  data) makes `endswith(lower(ParentImage), ..)` NULL, and SQL's `NOT NULL` is NULL, so
  `selection and not filter` would not match. Sigma reads an absent field's comparison as false,
  so `not filter` is true: every NOT operand is wrapped in coalesce(.., false). (Below a NOT-free
  AND/OR, NULL acts as false already: the final WHERE drops NULL like false.)
- Value lists: the backend folds 3+ contains/startswith/endswith values of one field into one
  rlike, `(?iu).*(a|b|c).*` for contains. Under rlike (Java's find) the leading `.*` makes that
  quadratic in the field's length, and each rlike decodes the field into a Java string (122
  rules over 20,000 synthetic rows: 80 s against 19 s without). And Java's `$` (endswith
  lists: `(?iu)(a|b)$`) also matches before a final line terminator, so endswith 'x' would
  match "x\\n". Here lists stay OR'd comparisons, `endswith(lower(Image), lower('/a')) OR ..`
  (optimize_or_as_regex off).
- `$` in the anchored pattern of a value with a wildcard inside (`(?isu)^a.*b$`): the same
  `$`; it ends in `\\z` here (the end of the input only).
- |re values: Java's `.` stops at \\r, \\u0085, \\u2028, \\u2029 as well as \\n, and its `$`
  matches before any of them at the end; PCRE (Sigma's flavour) stops at \\n only. Each |re
  regex gets Java's UNIX_LINES flag `(?d)`, which makes \\n the only line terminator.

Run it with the venv of setup.sh (build/pysigma1-venv/bin/python).
"""

import json
import os
import sys

from sigma.backends.databricks import DatabricksBackend
from sigma.collection import SigmaCollection
from sigma.conditions import ConditionNOT
from sigma.rule import SigmaDetectionItem, SigmaRule


class SparkSigmaBackend(DatabricksBackend):
    """The Databricks backend with Sigma's reading of NOT over NULL, `\\z` ends, (?d), and
    value lists as OR'd comparisons rather than one regex."""

    optimize_or_as_regex = False

    def convert_condition_not(self, cond: ConditionNOT, state):
        arg = cond.args[0]
        if arg is None:
            return None
        if arg.__class__ in self.precedence:
            inner = self.convert_condition_group(arg, state)
        else:
            inner = self.convert_condition(arg, state)
        if not isinstance(inner, str):
            raise NotImplementedError("a deferred expression under NOT")
        return f"NOT coalesce({inner}, false)"

    def make_wildcard_regex(self, s):
        quoted = super().make_wildcard_regex(s)
        # the literal ends with "$'" (str_quote): the end of the input, not of a line
        if quoted.endswith("$" + self.str_quote):
            quoted = quoted[: -1 - len(self.str_quote)] + "\\\\z" + self.str_quote
        return quoted

    def convert_value_re(self, r, state):
        converted = super().convert_value_re(r, state)
        return "(?d)" + converted if isinstance(converted, str) else converted


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


def rule_fields(item):
    """The field names a rule's detections read (None for a keyword: no field)."""
    found = set()

    def walk(node):
        if isinstance(node, SigmaDetectionItem):
            found.add(node.field)
        else:
            for child in node.detection_items:
                walk(child)

    for detection in item.detection.detections.values():
        walk(detection)
    return {f if f is not None else "<keyword>" for f in found}


def convert_one(backend, item):
    """The single predicate of a rule (pySigma can split a rule into several queries)."""
    queries = backend.convert_rule(item)
    if len(queries) != 1:
        raise ValueError(f"{len(queries)} queries for one rule")
    return queries[0]


def convert_file(backend, stock, file, text):
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
                entry["sql"] = convert_one(backend, item)
                entry["category"] = item.logsource.category
                entry["product"] = item.logsource.product
                entry["fields"] = sorted(rule_fields(item))
                if stock is not None:
                    plain = convert_one(stock, item)
                    if plain != entry["sql"]:
                        entry["stock"] = plain
            except Exception as error:  # noqa: BLE001
                entry.pop("sql", None)
                entry["error"] = one_line(error)
        out.append((rule_id, entry))
    return out


def main(argv):
    stock_only = argv[:1] == ["--stock"]
    dirs = argv[1:] if stock_only else argv
    if not dirs:
        print("usage: convert.py [--stock] DIR... > rules.json", file=sys.stderr)
        return 2
    backend = DatabricksBackend() if stock_only else SparkSigmaBackend()
    stock = None if stock_only else DatabricksBackend()
    result = {}
    for file, path in rule_files(dirs):
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
        for rule_id, entry in convert_file(backend, stock, file, text):
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
