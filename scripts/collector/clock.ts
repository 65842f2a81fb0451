/**
 * Wall clock from the kernel's boot clock: events carry
 * bpf_ktime_get_boot_ns(); wall = boot + (CLOCK_REALTIME - CLOCK_BOOTTIME),
 * re-read at every drain so NTP steps apply within one drain.
 *
 * @module
 */

import { openLibc } from "./libbpf_ffi.ts";

const CLOCK_REALTIME = 0;
const CLOCK_BOOTTIME = 7;

const ts = new BigInt64Array(2);
const tsBytes = new Uint8Array(ts.buffer);

function read(clock: number): [number, number] {
  openLibc().clock_gettime(clock, tsBytes);
  return [Number(ts[0]), Number(ts[1])];
}

/** (seconds, nanoseconds) to add to a boot-clock time to get the wall-clock time. */
export function bootToWallOffset(): [number, number] {
  const [bs, bn] = read(CLOCK_BOOTTIME);
  const [rs, rn] = read(CLOCK_REALTIME);
  let sec = rs - bs;
  let ns = rn - bn;
  if (ns < 0) {
    ns += 1e9;
    sec -= 1;
  }
  return [sec, ns];
}

/** Now, as (seconds, nanoseconds) of the boot clock. */
export function bootNow(): [number, number] {
  return read(CLOCK_BOOTTIME);
}

/** Now on the wall clock, ns since the epoch, as a decimal string. */
export function wallNowNs(): string {
  const [s, n] = read(CLOCK_REALTIME);
  return `${s}${String(n).padStart(9, "0")}`;
}
