#!/usr/bin/env bash
# The project's own local Spark: the pyspark wheel from PyPI carries a full
# Spark distribution (spark-submit, jars). Installed once into build/spark/venv;
# prints SPARK_HOME. An existing SPARK_HOME (or spark-submit on PATH) is used
# by `deno task analyze` before this one.
set -euo pipefail
cd "$(dirname "$0")/.."
PYSPARK_VERSION=4.0.1
venv=build/spark/venv
home=$venv/lib/python3.11/site-packages/pyspark
if [[ ! -x $home/bin/spark-submit || ! -f build/spark/.installed-$PYSPARK_VERSION ]]; then
  echo "spark: installing pyspark $PYSPARK_VERSION into $venv (once; ~500 MB)" >&2
  mkdir -p build/spark
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pyspark==$PYSPARK_VERSION" >build/spark/pip.log 2>&1 ||
    { echo "spark: pip install failed (see build/spark/pip.log)" >&2; tail -n 5 build/spark/pip.log >&2; exit 1; }
  home=$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  touch "build/spark/.installed-$PYSPARK_VERSION"
fi
home=$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
echo "$home"
