/**
 * Opens build/exec.bpf.o with libbpf, writes the knobs into .rodata, sizes
 * the ring buffer, pins (or reuses) the counter maps, loads, attaches every
 * program, and reads the per-CPU kernel counters.
 *
 * @module
 */

import {
  BpfError,
  cstr,
  DEFAULT_LIBBPF,
  errnoText,
  lastErrno,
  type Libbpf,
  openLibbpf,
  openLibc,
} from "./libbpf_ffi.ts";
import { KNOBS, KSTATS, USTATS } from "./event_layout.ts";

/** The libbpf calls only the loader needs (pinning, the user counters, the in-flight map). */
const loaderSymbols = {
  bpf_map__set_pin_path: { parameters: ["pointer", "buffer"], result: "i32" },
  bpf_obj_get: { parameters: ["buffer"], result: "i32" },
  bpf_map_update_elem: { parameters: ["i32", "buffer", "buffer", "u64"], result: "i32" },
  bpf_map_get_next_key: { parameters: ["i32", "pointer", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;
let loaderLib: Deno.DynamicLibrary<typeof loaderSymbols> | undefined;
function loaderCalls(path?: string) {
  loaderLib ??= Deno.dlopen(path ?? Deno.env.get("LIBBPF_PATH") ?? DEFAULT_LIBBPF, loaderSymbols);
  return loaderLib.symbols;
}

/** Where the counter maps are pinned by default (bpffs: gone at reboot, as the counters). */
export const DEFAULT_PIN_DIR = "/sys/fs/bpf/syscall-audit";

/** Programs that start an exec attempt (detached first at shutdown). */
const ENTER_PROGRAMS = new Set(["enter_execve", "enter_execveat", "enter_compat"]);

/** Knobs of the kernel program (see struct knobs in bpf/exec.h). */
export interface Knobs {
  /** argv elements kept per event. @default {128} */
  maxArgs: number;
  /** argv bytes captured per event (<= 16383). @default {8192} */
  maxArgsBytes: number;
  /** wake user space at once when this much data waits in the ring. @default {ringBytes / 4} */
  wakeupBytes: number;
  /** otherwise wake it at most once per this many ns. @default {900 ms} */
  wakeupIntervalNs: number;
  /** resolve relative filenames with the cwd. @default {true} */
  captureCwd: boolean;
  /**
   * attach the 32-bit exec programs (tp_btf sys_enter/sys_exit: ia32 binaries and `int $0x80`).
   * They run on every system call of the host (bench/results/syscall_tax.md); false leaves
   * 32-bit execs to sched_process_exec alone (successes only, syscall unknown). @default {true}
   */
  ia32: boolean;
}

/** The knobs' defaults (the collector's, and what `--check` loads with). */
export const DEFAULT_KNOBS: Readonly<Knobs> = {
  maxArgs: 128,
  maxArgsBytes: 8192,
  wakeupBytes: (2 << 20) / 4,
  wakeupIntervalNs: 900e6,
  captureCwd: true,
  ia32: true,
};

/** The programs that run on every system call, attached only with `ia32`. */
const COMPAT_PROGRAMS = new Set(["enter_compat", "exit_compat"]);

/** Sum of the per-CPU kernel counters. */
export interface KernelCounters {
  seq: bigint;
  rb_lost: bigint;
  enter_lost: bigint;
  argv_faults: bigint;
}

/** What user space has accounted for in this boot (the pinned `ustats` map, struct ustats). */
export interface UserCounters {
  written: bigint;
  rb_lost: bigint;
  queue_lost: bigint;
  write_lost: bigint;
  disk_dropped: bigint;
  crash_lost: bigint;
}

/** How the pinned maps were found at load. */
export interface PinState {
  /** the pin dir ("" when pinning is off) */
  dir: string;
  /** pinned maps of an older layout were removed and created anew */
  reset: boolean;
  /** why pinning is off although a dir was asked for (read-only /sys, no bpffs), else "" */
  error: string;
}

/** A loaded and attached exec program. */
export class LoadedExec {
  readonly ringFd: number;
  readonly statsFd: number;
  readonly ringBytes: number;
  readonly programs: { name: string; fd: number }[];
  readonly ustatsFd: number;
  readonly inflightFd: number;
  readonly controlFd: number;
  readonly pins: PinState;
  #obj: Deno.PointerValue;
  #links: Deno.PointerObject[];
  #names: string[];
  #bpf: Libbpf;
  #ncpu: number;

  constructor(
    bpf: Libbpf,
    obj: Deno.PointerValue,
    links: Deno.PointerObject[],
    ringFd: number,
    statsFd: number,
    ringBytes: number,
    programs: { name: string; fd: number }[],
    extra: { ustatsFd: number; inflightFd: number; controlFd: number; pins: PinState },
  ) {
    this.#bpf = bpf;
    this.#obj = obj;
    this.#links = links;
    this.#names = programs.map((p) => p.name);
    this.ustatsFd = extra.ustatsFd;
    this.inflightFd = extra.inflightFd;
    this.controlFd = extra.controlFd;
    this.pins = extra.pins;
    this.ringFd = ringFd;
    this.statsFd = statsFd;
    this.ringBytes = ringBytes;
    this.programs = programs;
    this.#ncpu = bpf.libbpf_num_possible_cpus();
  }

  /** Reads and sums the per-CPU counters. */
  counters(): KernelCounters {
    const key = new Uint8Array(4);
    const vals = new Uint8Array(KSTATS.size * this.#ncpu);
    const sum: KernelCounters = { seq: 0n, rb_lost: 0n, enter_lost: 0n, argv_faults: 0n };
    if (this.#bpf.bpf_map_lookup_elem(this.statsFd, key, vals) !== 0) return sum;
    const dv = new DataView(vals.buffer);
    for (let c = 0; c < this.#ncpu; c++) {
      const o = c * KSTATS.size;
      sum.seq += dv.getBigUint64(o + KSTATS.seq, true);
      sum.rb_lost += dv.getBigUint64(o + KSTATS.rb_lost, true);
      sum.enter_lost += dv.getBigUint64(o + KSTATS.enter_lost, true);
      sum.argv_faults += dv.getBigUint64(o + KSTATS.argv_faults, true);
    }
    return sum;
  }

  /** The user counters of this boot (zeros when never written). */
  userCounters(): UserCounters {
    const key = new Uint8Array(4);
    const v = new Uint8Array(USTATS.size);
    const dv = new DataView(v.buffer);
    const get = (o: number) => dv.getBigUint64(o, true);
    if (this.#bpf.bpf_map_lookup_elem(this.ustatsFd, key, v) !== 0) v.fill(0);
    return {
      written: get(USTATS.written),
      rb_lost: get(USTATS.rb_lost),
      queue_lost: get(USTATS.queue_lost),
      write_lost: get(USTATS.write_lost),
      disk_dropped: get(USTATS.disk_dropped),
      crash_lost: get(USTATS.crash_lost),
    };
  }

  /** Stores the user counters (after each flush). */
  setUserCounters(u: UserCounters): void {
    const v = new Uint8Array(USTATS.size);
    const dv = new DataView(v.buffer);
    dv.setBigUint64(USTATS.written, u.written, true);
    dv.setBigUint64(USTATS.rb_lost, u.rb_lost, true);
    dv.setBigUint64(USTATS.queue_lost, u.queue_lost, true);
    dv.setBigUint64(USTATS.write_lost, u.write_lost, true);
    dv.setBigUint64(USTATS.disk_dropped, u.disk_dropped, true);
    dv.setBigUint64(USTATS.crash_lost, u.crash_lost, true);
    loaderCalls().bpf_map_update_elem(this.ustatsFd, new Uint8Array(4), v, 0n);
  }

  /** Exec attempts in flight (entered, not yet resolved)? */
  inflight(): boolean {
    const next = new Uint8Array(4);
    return loaderCalls().bpf_map_get_next_key(this.inflightFd, null, next) === 0;
  }

  /**
   * Detaches the programs named by `which` ("enter": those that start an
   * attempt; "rest": the exit and exec programs; "all"). The ring stays readable.
   */
  detach(which: "enter" | "rest" | "all" = "all"): void {
    if (which === "enter") {
      // the stop point: an exec that did not enter before it is not recorded any more
      const one = new Uint8Array([1, 0, 0, 0]);
      loaderCalls().bpf_map_update_elem(this.controlFd, new Uint8Array(4), one, 0n);
    }
    const keep: Deno.PointerObject[] = [];
    const names: string[] = [];
    this.#links.forEach((l, i) => {
      const enter = ENTER_PROGRAMS.has(this.#names[i]);
      if (which === "all" || (which === "enter") === enter) this.#bpf.bpf_link__destroy(l);
      else {
        keep.push(l);
        names.push(this.#names[i]);
      }
    });
    this.#links = keep;
    this.#names = names;
  }

  /** Detaches and frees everything. */
  close(): void {
    this.detach();
    if (this.#obj) this.#bpf.bpf_object__close(this.#obj);
    this.#obj = null;
  }
}

function cString(p: Deno.PointerValue): string {
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

function fail(what: string): never {
  const errno = lastErrno();
  throw new BpfError(`${what}: ${errnoText(errno)} (errno ${errno})`, { errno });
}

const EAGAIN = 11;

/**
 * Loads `objectPath` with the given knobs and a ring of `ringBytes` (a power
 * of two, >= page size). The verifier gives up with EAGAIN when a signal is
 * pending (logrotate's SIGHUP at the wrong moment, a profiler): that is retried.
 */
export function loadExec(
  objectPath: string,
  knobs: Knobs,
  ringBytes: number,
  libbpfPath?: string,
  pinDir = "",
): LoadedExec {
  let pins: PinState;
  try {
    pins = preparePins(pinDir, libbpfPath);
  } catch (e) {
    // the counters then start at 0 with this run: no crash_lost, but capture goes on
    pins = { dir: "", reset: false, error: (e as Error).message };
  }
  for (let attempt = 1;; attempt++) {
    try {
      return loadOnce(objectPath, knobs, ringBytes, libbpfPath, pins);
    } catch (e) {
      if (e instanceof BpfError && e.errno === EAGAIN && attempt < 5) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * attempt);
        continue;
      }
      if (pins.dir === "") throw e;
      // a pin dir libbpf cannot use (not on bpffs, say): capture without pinned counters
      pins = {
        dir: "",
        reset: false,
        error: `Cannot pin in "${pins.dir}": ${(e as Error).message.split("\n")[0]}`,
      };
    }
  }
}

/** The pinned maps and the value size each must have. */
const PINNED = [
  { name: "stats", valueSize: KSTATS.size },
  { name: "ustats", valueSize: USTATS.size },
] as const;

/**
 * Makes `dir` ready for pinning (bpffs mounted, the directory there) and
 * removes pinned maps whose layout is not this one's (an older collector).
 */
function preparePins(dir: string, libbpfPath?: string): PinState {
  if (dir === "") return { dir, reset: false, error: "" };
  if (!dir.startsWith("/") || dir.split("/").includes("..")) {
    throw new BpfError(`Pin dir "${dir}" must be an absolute path without ".."`);
  }
  const mounts = Deno.readTextFileSync("/proc/self/mounts");
  if (dir.startsWith("/sys/fs/bpf/") && !/^\S+ \/sys\/fs\/bpf bpf /m.test(mounts)) {
    const rc = openLibc().mount(cstr("bpf"), cstr("/sys/fs/bpf"), cstr("bpf"), 0n, null);
    if (rc !== 0) {
      throw new BpfError(`Cannot mount bpffs on /sys/fs/bpf: ${errnoText(lastErrno())}`);
    }
  }
  let st: Deno.FileInfo | undefined;
  try {
    st = Deno.lstatSync(dir);
  } catch {
    Deno.mkdirSync(dir, { mode: 0o700 });
    st = Deno.lstatSync(dir);
  }
  if (!st.isDirectory) throw new BpfError(`Cannot pin in "${dir}": not a directory`);
  const calls = loaderCalls(libbpfPath);
  let reset = false;
  for (const m of PINNED) {
    const path = `${dir}/${m.name}`;
    let lst: Deno.FileInfo;
    try {
      lst = Deno.lstatSync(path);
    } catch {
      continue; // not pinned yet
    }
    let ok = false;
    if (lst.isFile) {
      const fd = calls.bpf_obj_get(cstr(path));
      if (fd >= 0) {
        const info = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`);
        openLibc().close(fd);
        const field = (k: string) => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(info)?.[1]);
        ok = field("value_size") === m.valueSize && field("max_entries") === 1 &&
          field("key_size") === 4;
      }
    }
    if (!ok) {
      Deno.removeSync(path);
      reset = true;
    }
  }
  // the two maps go together: one without the other is a reset too
  const present = PINNED.filter((m) => {
    try {
      Deno.lstatSync(`${dir}/${m.name}`);
      return true;
    } catch {
      return false;
    }
  });
  if (present.length === 1) {
    Deno.removeSync(`${dir}/${present[0].name}`);
    reset = true;
  }
  return { dir, reset, error: "" };
}

function loadOnce(
  objectPath: string,
  knobs: Knobs,
  ringBytes: number,
  libbpfPath: string | undefined,
  pins: PinState,
): LoadedExec {
  if (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0) {
    throw new RangeError(`Ring buffer size must be a power of two >= 4096: got ${ringBytes}`);
  }
  try {
    Deno.statSync(objectPath);
  } catch (cause) {
    throw new BpfError(
      `Cannot read the BPF object "${objectPath}": ${
        (cause as Error).message
      } (run deno task build:bpf)`,
      { cause },
    );
  }
  const bpf = openLibbpf(libbpfPath);
  const obj = bpf.bpf_object__open_file(cstr(objectPath), null);
  if (obj === null) fail(`Cannot open the BPF object "${objectPath}"`);

  let ok = false;
  try {
    const rb = bpf.bpf_object__find_map_by_name(obj, cstr("rb"));
    if (rb === null) throw new BpfError(`BPF object "${objectPath}" has no ring buffer "rb"`);
    if (bpf.bpf_map__set_max_entries(rb, ringBytes) !== 0) fail("Cannot size the ring buffer");

    // the knobs: the one struct at offset 0 of .rodata
    let rodata: Deno.PointerValue = null;
    for (
      let m = bpf.bpf_object__next_map(obj, null);
      m !== null;
      m = bpf.bpf_object__next_map(obj, m)
    ) {
      if (cString(bpf.bpf_map__name(m)).endsWith(".rodata")) rodata = m;
    }
    if (rodata === null) throw new BpfError(`BPF object "${objectPath}" has no .rodata knobs`);
    const size = new BigUint64Array(1);
    const init = bpf.bpf_map__initial_value(rodata, new Uint8Array(size.buffer));
    if (init === null || Number(size[0]) < KNOBS.size) {
      throw new BpfError(
        `BPF object "${objectPath}": .rodata is ${size[0]} bytes, want ${KNOBS.size}`,
      );
    }
    const kv = new DataView(Deno.UnsafePointerView.getArrayBuffer(init, KNOBS.size));
    kv.setUint32(KNOBS.max_args, knobs.maxArgs, true);
    kv.setUint32(KNOBS.max_args_bytes, knobs.maxArgsBytes, true);
    kv.setBigUint64(KNOBS.wakeup_bytes, BigInt(knobs.wakeupBytes), true);
    kv.setBigUint64(KNOBS.wakeup_interval_ns, BigInt(knobs.wakeupIntervalNs), true);
    kv.setUint32(KNOBS.capture_cwd, knobs.captureCwd ? 1 : 0, true);

    if (pins.dir !== "") {
      const calls = loaderCalls(libbpfPath);
      for (const m of PINNED) {
        const map = bpf.bpf_object__find_map_by_name(obj, cstr(m.name));
        if (map === null) throw new BpfError(`BPF object "${objectPath}" has no "${m.name}" map`);
        if (calls.bpf_map__set_pin_path(map, cstr(`${pins.dir}/${m.name}`)) !== 0) {
          fail(`Cannot pin the "${m.name}" map in "${pins.dir}"`);
        }
      }
    }
    if (bpf.bpf_object__load(obj) !== 0) {
      fail(`Cannot load "${objectPath}" into the kernel (verifier log above)`);
    }
    const links: Deno.PointerObject[] = [];
    const programs: { name: string; fd: number }[] = [];
    // the exit and exec programs first, then those that start an attempt: each attempt
    // entered is resolved by a program already attached
    const order: Deno.PointerObject[] = [];
    for (
      let p = bpf.bpf_object__next_program(obj, null);
      p !== null;
      p = bpf.bpf_object__next_program(obj, p)
    ) order.push(p);
    order.sort((a, b) =>
      Number(ENTER_PROGRAMS.has(cString(bpf.bpf_program__name(a)))) -
      Number(ENTER_PROGRAMS.has(cString(bpf.bpf_program__name(b))))
    );
    for (const p of order) {
      const name = cString(bpf.bpf_program__name(p));
      if (!knobs.ia32 && COMPAT_PROGRAMS.has(name)) continue;
      const link = bpf.bpf_program__attach(p);
      if (link === null) {
        for (const l of links) bpf.bpf_link__destroy(l);
        fail(`Cannot attach BPF program "${name}"`);
      }
      links.push(link);
      programs.push({ name, fd: bpf.bpf_program__fd(p) });
    }
    const stats = bpf.bpf_object__find_map_by_name(obj, cstr("stats"));
    if (stats === null) throw new BpfError(`BPF object "${objectPath}" has no "stats" map`);
    const ustats = bpf.bpf_object__find_map_by_name(obj, cstr("ustats"));
    const inflight = bpf.bpf_object__find_map_by_name(obj, cstr("inflight"));
    const control = bpf.bpf_object__find_map_by_name(obj, cstr("control"));
    if (ustats === null || inflight === null || control === null) {
      throw new BpfError(
        `BPF object "${objectPath}" lacks the "ustats", "inflight" or "control" map`,
      );
    }
    ok = true;
    return new LoadedExec(
      bpf,
      obj,
      links,
      bpf.bpf_map__fd(rb),
      bpf.bpf_map__fd(stats),
      ringBytes,
      programs,
      {
        ustatsFd: bpf.bpf_map__fd(ustats),
        inflightFd: bpf.bpf_map__fd(inflight),
        controlFd: bpf.bpf_map__fd(control),
        pins,
      },
    );
  } finally {
    if (!ok) bpf.bpf_object__close(obj);
  }
}
