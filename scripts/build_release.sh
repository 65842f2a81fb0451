#!/usr/bin/env bash
# Builds the release Puppet installs (puppet/modules/syscall_audit, release_source):
#
#   <out>/<version>/deno          the Deno runtime these bundles were built and tested with
#   <out>/<version>/collect.js    the collector, bundled
#   <out>/<version>/exec.bpf.o    its CO-RE BPF object
#   <out>/<version>/ship.js       the shipper, bundled
#   <out>/<version>/src.tar.gz    the project (tracked files + prebuilt analysis bundle/driver if
#                                 built), for the edge node's `deno task analyze`
#   <out>/<version>/VERSION, SHA256SUMS
#
# usage: bash scripts/build_release.sh [--version V] [--out DIR]
#   --version V   release name (default: VERSION in scripts/version.ts); a different name is also
#                 written into collect.js, so the collector's "open" record says which release runs
#   --out DIR     default build/release
# Prints the release directory last.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' "$here/scripts/version.ts")
version=$base
out="$here/build/release"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    *) echo "build_release: unknown option $1" >&2; exit 64 ;;
  esac
done
if ! [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]]; then
  echo "build_release: --version must be letters, digits and . _ + - : got \"$version\"" >&2
  exit 64
fi
bash "$here/scripts/build_bpf.sh" >/dev/null
bash "$here/scripts/build_bundle.sh"
dir="$out/$version"
tmp="$out/.$version.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$(readlink -f "$(command -v deno)")" "$tmp/deno"
cp "$here/build/exec.bpf.o" "$tmp/exec.bpf.o"
if [ "$version" = "$base" ]; then
  cp "$here/build/collect.js" "$tmp/collect.js"
else
  # exactly one definition of VERSION in the bundle, or the build is refused
  n=$(grep -c "VERSION = \"$base\";" "$here/build/collect.js" || true)
  if [ "$n" != 1 ]; then
    echo "build_release: expected one VERSION = \"$base\" in build/collect.js, found $n" >&2
    exit 70
  fi
  sed "s/VERSION = \"$base\";/VERSION = \"$version\";/" "$here/build/collect.js" >"$tmp/collect.js"
fi
deno bundle --quiet "$here/scripts/ship.ts" -o "$tmp/ship.js"
# the analysis bundle and driver, fresh, when a Spark is at hand (its jars compile the driver);
# without one the edge node builds them on its first run (it has Spark and a JDK)
if [ -n "${SPARK_HOME:-}" ] || command -v spark-submit >/dev/null 2>&1 || [ -d "$here/build/spark/venv" ]; then
  (cd "$here" && deno eval --quiet \
    'import { build, findSparkHome } from "./scripts/analyze/run.ts"; await build(await findSparkHome());')
fi
# the project for the analysis edge node: tracked files as they are in the work tree, plus the
# prebuilt analysis bundle and driver when present (newer than their sources: no rebuild there)
(
  cd "$here"
  {
    git ls-files
    for f in build/analyze/stream.js build/analyze/driver.jar; do [ ! -f "$f" ] || echo "$f"; done
  } | tar -czf "$tmp/src.tar.gz" --owner=0 --group=0 --no-recursion -T -
)
echo "$version" >"$tmp/VERSION"
(cd "$tmp" && sha256sum deno collect.js exec.bpf.o ship.js src.tar.gz VERSION >SHA256SUMS)
chmod 0755 "$tmp/deno"
chmod 0644 "$tmp"/collect.js "$tmp"/ship.js "$tmp"/exec.bpf.o "$tmp"/src.tar.gz "$tmp"/VERSION "$tmp"/SHA256SUMS
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir"
