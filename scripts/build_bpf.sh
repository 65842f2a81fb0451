#!/usr/bin/env bash
# Builds bpf/exec.bpf.c into build/exec.bpf.o (CO-RE). Stops on the first error.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="${BUILD_DIR:-$here/build}"
mkdir -p "$out"
btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
if [ ! -s "$out/vmlinux.h" ] || [ "$btf" -nt "$out/vmlinux.h" ]; then
  bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
  mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
fi
clang -g -O2 -target bpf -D__TARGET_ARCH_${arch} -Wall -Werror \
  -I"$out" -I"$here/bpf" -c "$here/bpf/exec.bpf.c" -o "$out/exec.bpf.o.tmp"
# strip DWARF, keep BTF (smaller object, same CO-RE relocations)
llvm-strip -g "$out/exec.bpf.o.tmp" 2>/dev/null || true
mv "$out/exec.bpf.o.tmp" "$out/exec.bpf.o"
echo "built $out/exec.bpf.o"
