#!/usr/bin/env bash
# pySigma + its sqlite backend (the independent Sigma implementation the tests and the benchmark
# compare jobs/sigma with), pinned in requirements.txt beside this file, installed once into
# build/pysigma-venv. Idempotent: reinstalls only when requirements.txt changed. Prints the venv's
# python.
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv=build/pysigma-venv
req=tests/support/pysigma/requirements.txt
stamp=$venv/.installed-$(sha256sum "$req" | cut -c1-16)
if [[ ! -x $venv/bin/python || ! -f $stamp ]]; then
  echo "pysigma: installing pySigma into $venv (once)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >build/pysigma-pip.log 2>&1 ||
    { echo "pysigma: pip install failed (see build/pysigma-pip.log)" >&2; tail -n 5 build/pysigma-pip.log >&2; exit 1; }
  "$venv/bin/python" -c 'import sigma.backends.sqlite' ||
    { echo "pysigma: the sqlite backend does not import" >&2; exit 1; }
  touch "$stamp"
fi
echo "$PWD/$venv/bin/python"
