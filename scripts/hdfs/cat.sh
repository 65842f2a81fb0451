#!/usr/bin/env bash
# Write an HDFS file's raw bytes to stdout, read with Hadoop's own client (hdfs:// RPC).
# usage: bash scripts/hdfs/cat.sh hdfs://127.0.0.1:PORT/path   (exit 1 + one line if missing)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ $# -eq 1 && $1 == hdfs://* ]] || { echo "usage: cat.sh hdfs://host:port/path" >&2; exit 2; }
hdfs_build
exec java "${HDFS_CLIENT_OPTS[@]}" -cp "$HDFS_CP" MiniHdfs cat "$1"
