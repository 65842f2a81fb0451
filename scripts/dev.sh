#!/usr/bin/env bash
# Set-up and entry point for a fresh Debian machine (run as root):
#   bash scripts/dev.sh demo   installs what is missing, then runs the embedded default
#   bash scripts/dev.sh test   installs what is missing, then runs the whole test suite
# Installs only what is missing; every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
for p in clang llvm libbpf-dev bpftool logrotate auditd bpftrace gcc libc6-dev gzip curl time \
  puppet puppet-lint cron systemd util-linux chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "dev.sh: installing ${need_pkgs[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# the real HDFS of the tests (scripts/hdfs/) runs on a JDK and fetches its jars with Maven
if ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "dev.sh: installing a JDK and Maven" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless maven >/dev/null
fi
if ! command -v deno >/dev/null 2>&1; then
  echo "dev.sh: installing deno 2 from npm" >&2
  npm install -g --silent deno@2 >/dev/null
fi
# libbpf attaches tracepoints through tracefs; the collector mounts it too, but
# tests of other tools (bpftrace) want it there
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

# Python venvs from PyPI: Spark and pySigma
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
# the project's own Spark (pyspark wheel: spark-submit and jars), for analyze, demo and tests
if [ -z "${SPARK_HOME:-}" ] && ! command -v spark-submit >/dev/null 2>&1; then
  bash scripts/spark_setup.sh >/dev/null
fi
# pySigma + its sqlite backend into build/pysigma-venv: the Sigma cross-check tests and benchmark
bash tests/support/pysigma/setup.sh >/dev/null
# pySigma 1.x + its Databricks backend into build/pysigma1-venv: the sigma benchmark's Spark SQL
# baseline (bench/support/sigma_sql.ts)
bash bench/support/pysigma_databricks/setup.sh >/dev/null

case "${1:-}" in
  demo) exec deno task demo ;;
  test) exec deno task test ;;
  ok) exec deno task ok ;;
  *) echo "usage: bash scripts/dev.sh demo|test|ok" >&2; exit 2 ;;
esac
