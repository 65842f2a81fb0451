#!/usr/bin/env bash
# pySigma 1.x + its Databricks backend (Sigma rules -> Spark SQL predicates), the SQL-engine
# baseline of the sigma benchmark; pinned in requirements.txt beside this file, installed once into
# build/pysigma1-venv (apart from build/pysigma-venv: that one is pySigma 2.x for the sqlite
# backend). Idempotent: reinstalls only when requirements.txt changed. Prints the venv's python.
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv=build/pysigma1-venv
req=bench/support/pysigma_databricks/requirements.txt
stamp=$venv/.installed-$(sha256sum "$req" | cut -c1-16)
if [[ ! -x $venv/bin/python || ! -f $stamp ]]; then
  echo "pysigma1: installing pySigma 1.x + the databricks backend into $venv (once)" >&2
  rm -rf "$venv"
  mkdir -p build
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >build/pysigma1-pip.log 2>&1 ||
    { echo "pysigma1: pip install failed (see build/pysigma1-pip.log)" >&2; tail -n 5 build/pysigma1-pip.log >&2; exit 1; }
  "$venv/bin/python" -c 'import sigma.backends.databricks' ||
    { echo "pysigma1: the databricks backend does not import" >&2; exit 1; }
  touch "$stamp"
fi
echo "$PWD/$venv/bin/python"
