/**
 * `collect --check`: can this host run the collector? Each check prints one
 * line; the first failure ends the report with `unsupported: <reason>` and a
 * non-zero exit (what the Puppet fact reads to gate hosts).
 *
 * @module
 */

import { cstr, errnoText, lastErrno, openLibbpf, openLibc } from "./libbpf_ffi.ts";
import { DEFAULT_KNOBS, loadExec } from "./bpf_loader.ts";

const TRACEFS = "/sys/kernel/tracing";

/** Mounts tracefs at /sys/kernel/tracing when it is not there yet (libbpf attaches through it). */
export function ensureTracefs(): void {
  try {
    Deno.statSync(`${TRACEFS}/events`);
    return;
  } catch {
    // not mounted
  }
  const rc = openLibc().mount(cstr("tracefs"), cstr(TRACEFS), cstr("tracefs"), 0n, null);
  if (rc !== 0) {
    throw new Error(`Cannot mount tracefs on ${TRACEFS}: ${errnoText(lastErrno())}`);
  }
}

/** One line of the report. */
export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
}

/** "5.10.0-23-amd64" -> [5, 10]. */
export function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function capEff(): bigint {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(status);
  return m ? BigInt("0x" + m[1]) : 0n;
}

/** Runs every check in order; stops at the first failure. */
export function checkHost(objectPath: string, libbpfPath?: string): CheckItem[] {
  const items: CheckItem[] = [];
  const add = (name: string, ok: boolean, detail: string) => {
    items.push({ name, ok, detail });
    return ok;
  };
  const release = Deno.osRelease();
  const [maj, min] = kernelVersion(release);
  if (
    !add(
      "kernel",
      maj > 5 || (maj === 5 && min >= 8),
      `${release} (needs >= 5.8: BPF ring buffer, boot clock)`,
    )
  ) {
    return items;
  }
  let btf = false;
  try {
    btf = Deno.statSync("/sys/kernel/btf/vmlinux").isFile;
  } catch {
    btf = false;
  }
  if (
    !add(
      "btf",
      btf,
      btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)",
    )
  ) {
    return items;
  }
  const caps = capEff();
  const CAP_SYS_ADMIN = 21n, CAP_PERFMON = 38n, CAP_BPF = 39n;
  const has = (c: bigint) => (caps >> c) & 1n;
  const privileged = has(CAP_SYS_ADMIN) === 1n || (has(CAP_BPF) === 1n && has(CAP_PERFMON) === 1n);
  if (
    !add(
      "privileges",
      privileged,
      `CapEff=${caps.toString(16)} (needs CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN)`,
    )
  ) {
    return items;
  }
  try {
    openLibbpf(libbpfPath);
    add("libbpf", true, libbpfPath ?? Deno.env.get("LIBBPF_PATH") ?? "libbpf.so.1");
  } catch (e) {
    add("libbpf", false, (e as Error).message);
    return items;
  }
  try {
    ensureTracefs();
    const tps = [
      "syscalls/sys_enter_execve",
      "syscalls/sys_exit_execve",
      "syscalls/sys_enter_execveat",
      "syscalls/sys_exit_execveat",
      "sched/sched_process_exec",
      // the 32-bit execs (x86): raw syscall tracepoints, which the syscalls: ones do not cover
      ...(Deno.build.arch === "x86_64" ? ["raw_syscalls/sys_enter", "raw_syscalls/sys_exit"] : []),
    ];
    const missing = tps.filter((t) => {
      try {
        Deno.statSync(`${TRACEFS}/events/${t}`);
        return false;
      } catch {
        return true;
      }
    });
    if (
      !add(
        "tracepoints",
        missing.length === 0,
        missing.length ? `missing ${missing.join(", ")}` : tps.join(", "),
      )
    ) {
      return items;
    }
  } catch (e) {
    add("tracepoints", false, (e as Error).message);
    return items;
  }
  try {
    // a small ring: the check proves the load, it captures nothing
    const prog = loadExec(
      objectPath,
      { ...DEFAULT_KNOBS, wakeupBytes: 1 << 14 },
      1 << 16,
      libbpfPath,
    );
    const n = prog.programs.length;
    prog.close();
    add("load", true, `${objectPath}: ring buffer created, ${n} programs verified and attached`);
  } catch (e) {
    add("load", false, (e as Error).message);
  }
  return items;
}

/** Prints the report; returns the exit code (0 ready, 1 unsupported). */
export function printCheck(objectPath: string, libbpfPath?: string): number {
  const items = checkHost(objectPath, libbpfPath);
  for (const i of items) console.log(`${i.ok ? "ok  " : "FAIL"} ${i.name.padEnd(12)} ${i.detail}`);
  const bad = items.find((i) => !i.ok);
  if (bad) {
    console.log(`unsupported: ${bad.name}: ${bad.detail}`);
    return 1;
  }
  console.log("supported: this host can run the collector");
  return 0;
}
