/**
 * Opens build/exec.bpf.o with libbpf, writes the knobs into .rodata, sizes
 * the ring buffer, loads, attaches every program, and reads the per-CPU
 * kernel counters.
 *
 * @module
 */

import { BpfError, cstr, errnoText, lastErrno, type Libbpf, openLibbpf } from "./libbpf_ffi.ts";
import { KNOBS, KSTATS } from "./event_layout.ts";

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
}

/** The knobs' defaults (the collector's, and what `--check` loads with). */
export const DEFAULT_KNOBS: Readonly<Knobs> = {
  maxArgs: 128,
  maxArgsBytes: 8192,
  wakeupBytes: (2 << 20) / 4,
  wakeupIntervalNs: 900e6,
  captureCwd: true,
};

/** Sum of the per-CPU kernel counters. */
export interface KernelCounters {
  seq: bigint;
  rb_lost: bigint;
  enter_lost: bigint;
  argv_faults: bigint;
}

/** A loaded and attached exec program. */
export class LoadedExec {
  readonly ringFd: number;
  readonly statsFd: number;
  readonly ringBytes: number;
  readonly programs: { name: string; fd: number }[];
  #obj: Deno.PointerValue;
  #links: Deno.PointerObject[];
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
  ) {
    this.#bpf = bpf;
    this.#obj = obj;
    this.#links = links;
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

  /** Detaches the programs (no new events); the ring stays readable. */
  detach(): void {
    for (const l of this.#links) this.#bpf.bpf_link__destroy(l);
    this.#links = [];
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
): LoadedExec {
  for (let attempt = 1;; attempt++) {
    try {
      return loadOnce(objectPath, knobs, ringBytes, libbpfPath);
    } catch (e) {
      if (!(e instanceof BpfError) || e.errno !== EAGAIN || attempt >= 5) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * attempt);
    }
  }
}

function loadOnce(
  objectPath: string,
  knobs: Knobs,
  ringBytes: number,
  libbpfPath?: string,
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

    if (bpf.bpf_object__load(obj) !== 0) {
      fail(`Cannot load "${objectPath}" into the kernel (verifier log above)`);
    }
    const links: Deno.PointerObject[] = [];
    const programs: { name: string; fd: number }[] = [];
    for (
      let p = bpf.bpf_object__next_program(obj, null);
      p !== null;
      p = bpf.bpf_object__next_program(obj, p)
    ) {
      const name = cString(bpf.bpf_program__name(p));
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
    ok = true;
    return new LoadedExec(
      bpf,
      obj,
      links,
      bpf.bpf_map__fd(rb),
      bpf.bpf_map__fd(stats),
      ringBytes,
      programs,
    );
  } finally {
    if (!ok) bpf.bpf_object__close(obj);
  }
}
