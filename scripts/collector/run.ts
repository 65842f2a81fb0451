/**
 * The collector loop. The kernel program wakes us at most once per
 * `wakeupMs` (or at once when the ring is a quarter full); after a wakeup
 * that found events we drain again `wakeupMs` later, and sleep until the next
 * stats record once the events stop. So an idle host costs no wakeups and a
 * busy one about one per interval, and a line reaches the log at most about
 * `wakeupMs` after its exec. Each drain encodes lines into one buffer and
 * appends it with one write; the writer follows logrotate (SIGHUP, or the
 * rename seen before a write) and a stats record is written at open,
 * periodically, on reopen and at exit. SIGTERM/SIGINT: detach, drain, flush,
 * exit 0.
 *
 * Every stats record seals the bytes written since the previous one in the
 * keyed hash chain (scripts/tamper/): it is written on its own, after the
 * pending lines, and the chain moves on only once it reached the file. A
 * rotation is followed with `close` into the old file and `reopen` first in
 * the new one. The run's first key is escrowed before the first record.
 *
 * @module
 */

import { createPublicKey } from "node:crypto";
import { encodeStats } from "../logformat/mod.ts";
import { ChainWriter } from "../tamper/chain.ts";
import {
  DEFAULT_KEY_DIR,
  escrowRecord,
  newRunKey,
  readChainState,
  writeChainState,
  writeEscrow,
} from "../tamper/escrow.ts";
import { sealedStatsLine } from "../tamper/record.ts";
import { VERSION } from "../version.ts";
import { DEFAULT_KNOBS, DEFAULT_PIN_DIR, loadExec } from "./bpf_loader.ts";
import { bootToWallOffset, wallNowNs } from "./clock.ts";
import { ExecLineEncoder } from "./event_encoder.ts";
import { AuditLogFile } from "./log_file.ts";
import { RingReader } from "./ring_reader.ts";
import { ensureTracefs } from "./check.ts";
import { openLibc } from "./libbpf_ffi.ts";
import { DEFAULT_REDACT_KEYS, DEFAULT_SITE_KEY_FILE, readSiteKey, Redactor } from "./redact.ts";

export interface CollectOptions {
  /** The log file. @default {"/var/log/syscall_audit.log"} */
  log?: string;
  /** The compiled BPF object. @default {"<repo>/build/exec.bpf.o", or $SYSCALL_AUDIT_BPF_OBJECT} */
  object?: string;
  /** libbpf to dlopen. @default {$LIBBPF_PATH or "libbpf.so.1"} */
  libbpfPath?: string;
  /** Ring buffer bytes (power of two). @default {2 MiB: 0.1 s at 20,000 exec/s before the early wakeup} */
  ringBytes?: number;
  /** argv elements kept per event. @default {128} */
  maxArgs?: number;
  /** argv bytes captured per event (<= 16383). @default {8192} */
  maxArgsBytes?: number;
  /** Wake the collector once this many bytes wait in the ring. @default {ringBytes / 4} */
  wakeupBytes?: number;
  /** Resolve relative filenames with the cwd. @default {true} */
  captureCwd?: boolean;
  /** Record 32-bit execs with their syscall, failed ones too (costs every syscall ~70 ns here). @default {true} */
  ia32?: boolean;
  /** Words whose values are hidden in argv (redact.ts); [] turns redaction off. @default {DEFAULT_REDACT_KEYS} */
  redactKeys?: string[];
  /**
   * The site key of the redaction hashes (root-only file, hex or raw bytes), the same on every
   * host so that two uses of one secret hash alike fleet-wide; missing: hashes are `-` (one
   * warning). @default {"/etc/syscall-audit/redact.key"}
   */
  redactKeyFile?: string;
  /** Longest time an event waits in the ring before it is drained and appended, ms. @default {900} */
  wakeupMs?: number;
  /** Interval of the periodic stats record, ms. @default {60000} */
  statsIntervalMs?: number;
  /** Stop writing while less than this many bytes are free. @default {64 MiB} */
  minFreeBytes?: number;
  /** Output buffer bytes. @default {1 MiB} */
  bufferBytes?: number;
  /** Where the kernel counters are pinned across restarts (bpffs); "" turns pinning off. @default {"/sys/fs/bpf/syscall-audit"} */
  pinDir?: string;
  /**
   * Seal the log with the keyed hash chain (docs/tamper-evidence.md); false writes plain S1
   * records, no escrow (benchmarks: the chain's cost). @default {true}
   */
  chain?: boolean;
  /** Called once the programs are attached (tests, demo). */
  onReady?: () => void;
  /** Stops the loop when aborted (besides SIGTERM/SIGINT). */
  signal?: AbortSignal;
  /** Install SIGTERM/SIGINT/SIGHUP handlers. @default {true} */
  handleSignals?: boolean;
  /** PEM public key the run's first key is sealed to; missing: kept in clear (one warning). @default {"/etc/syscall-audit/escrow.pub"} */
  escrowPublicKey?: string;
  /** Escrow files' directory (0700); the chain state lives beside it (`../chain.state`). @default {"/var/lib/syscall-audit/keys"} */
  keyDir?: string;
  /** One-line warnings. @default {console.error} */
  warn?: (line: string) => void;
}

/** What a run did, summed. */
export interface CollectReport {
  events: number;
  queue_lost: number;
  rb_lost: bigint;
  disk_dropped: number;
  write_lost: number;
}

/** The boot id (32 hex digits, no dashes). */
export function bootId(): string {
  return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim().replaceAll("-", "");
}

/**
 * The BPF object: $SYSCALL_AUDIT_BPF_OBJECT, else `exec.bpf.o` beside the
 * running script (a deployed bundle), else this checkout's build/.
 */
export function defaultObject(): string {
  const env = Deno.env.get("SYSCALL_AUDIT_BPF_OBJECT");
  if (env) return env;
  const candidates = [
    new URL("./exec.bpf.o", Deno.mainModule).pathname,
    new URL("../../build/exec.bpf.o", import.meta.url).pathname,
  ];
  for (const c of candidates) {
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // next
    }
  }
  return candidates[candidates.length - 1];
}

const te = new TextEncoder();

/** Runs until SIGTERM/SIGINT (or `signal`), then drains, flushes and returns. */
export async function run(options: CollectOptions = {}): Promise<CollectReport> {
  const logPath = options.log ?? "/var/log/syscall_audit.log";
  const ringBytes = options.ringBytes ?? 2 << 20;
  const maxArgs = options.maxArgs ?? DEFAULT_KNOBS.maxArgs;
  const maxArgsBytes = options.maxArgsBytes ?? DEFAULT_KNOBS.maxArgsBytes;
  const wakeupMs = options.wakeupMs ?? DEFAULT_KNOBS.wakeupIntervalNs / 1e6;
  const statsMs = options.statsIntervalMs ?? 60_000;
  if (!(maxArgs >= 1 && maxArgs <= 128)) {
    throw new RangeError(`maxArgs must be 1..128: got ${maxArgs}`);
  }
  if (!(maxArgsBytes >= 16 && maxArgsBytes <= 16383)) {
    throw new RangeError(`maxArgsBytes must be 16..16383: got ${maxArgsBytes}`);
  }
  const boot = bootId();
  const warn = options.warn ?? ((l: string) => console.error(l));
  const chained = options.chain ?? true;
  // the chain: a fresh first key (escrowed below, once the log is ours)
  const { k0, nonce } = newRunKey();
  const chain = new ChainWriter(k0);
  /** the buffer being written and its lines: a whole write of it needs no LF count */
  let writing: Uint8Array | null = null;
  let writingLines = 0;
  const log = new AuditLogFile(logPath, {
    minFreeBytes: options.minFreeBytes,
    onWritten: chained
      ? (b) => chain.feed(b, sameBytes(b, writing) ? writingLines : -1)
      : undefined,
    onWarning: (m) => warn(`collect: ${m}`),
  });
  log.open();
  log.checkDisk();
  // escrowed before anything is written with it, and only once the log is ours (a refused
  // collector leaves no key behind)
  const keyDir = options.keyDir ?? DEFAULT_KEY_DIR;
  const statePath = `${parentDir(keyDir)}/chain.state`;
  const escrow = escrowRecord(k0, {
    host: Deno.hostname(),
    boot,
    nonce,
    publicKeyPem: chained
      ? readPublicKey(options.escrowPublicKey ?? "/etc/syscall-audit/escrow.pub", warn)
      : null,
  });
  k0.fill(0);
  if (chained) {
    try {
      writeEscrow(keyDir, escrow);
    } catch (e) {
      warn(`collect: the chain's key is not escrowed: ${(e as Error).message}`);
    }
  } else {
    warn("collect: --no-chain: the log carries no tamper evidence");
  }
  const prevChain = readChainState(statePath)?.chain ?? "-";

  ensureTracefs();
  const prog = loadExec(
    options.object ?? defaultObject(),
    {
      maxArgs,
      maxArgsBytes,
      wakeupBytes: options.wakeupBytes ?? ringBytes / 4,
      wakeupIntervalNs: wakeupMs * 1e6,
      captureCwd: options.captureCwd ?? DEFAULT_KNOBS.captureCwd,
      ia32: options.ia32 ?? DEFAULT_KNOBS.ia32,
    },
    ringBytes,
    options.libbpfPath,
    options.pinDir ?? DEFAULT_PIN_DIR,
  );
  const ring = new RingReader(prog.ringFd, ringBytes);
  // libbpf parsed the kernel's BTF (megabytes) for CO-RE and has freed it: give it back
  openLibc().malloc_trim(0n);
  const redactKeys = options.redactKeys ?? DEFAULT_REDACT_KEYS;
  if (prog.pins.error) warn(`collect: counters not pinned: ${prog.pins.error}`);
  const enc = new ExecLineEncoder(
    boot,
    maxArgs,
    options.bufferBytes ?? 1 << 20,
    redactKeys.length
      ? new Redactor({
        keys: redactKeys,
        siteKey: siteKey(options.redactKeyFile ?? DEFAULT_SITE_KEY_FILE, warn),
      })
      : null,
  );
  // the kernel counters run on across restarts (pinned): S1 counts this run's part, and
  // what the previous runs numbered but never accounted for was lost in a crash
  const base = prog.counters();
  const prev = prog.userCounters();
  const accounted = prev.written + base.rb_lost + prev.queue_lost + prev.crash_lost;
  const crashLost = base.seq > accounted ? base.seq - accounted : 0n;
  const userBase = { ...prev, crash_lost: prev.crash_lost + crashLost };
  let events = 0;
  let queueLost = 0;
  let lastDisk = performance.now();

  /** Appends the buffer, after following a rotation and asking the disk guard. */
  const flush = () => {
    if (enc.pos === 0) return;
    if (log.rotated()) follow(); // the rename was seen first: the new file gets the lines
    const now = performance.now();
    if (now - lastDisk >= 1000) {
      lastDisk = now;
      const wasGuarding = log.guarding;
      if (log.checkDisk() && wasGuarding) seal("resume");
    }
    writing = enc.buf.subarray(0, enc.pos);
    writingLines = enc.lines;
    log.write(writing, enc.lines);
    writing = null;
    enc.reset();
    saveUser();
  };
  /** What this boot's runs have accounted for, for the next run's crash_lost. */
  const saveUser = () => {
    const c = log.counters;
    prog.setUserCounters({
      written: userBase.written + BigInt(events),
      rb_lost: prog.counters().rb_lost,
      queue_lost: userBase.queue_lost + BigInt(queueLost),
      write_lost: userBase.write_lost + BigInt(c.write_lost),
      disk_dropped: userBase.disk_dropped + BigInt(c.disk_dropped),
      crash_lost: userBase.crash_lost,
    });
  };
  /** `close` into the old file, reopen, `reopen` first in the new one. */
  const follow = () => {
    if (!log.reopenDue()) return; // a failing reopen is retried once a second, not every flush
    seal("close");
    if (log.reopen()) seal("reopen");
  };
  /** The pending lines, then a stats record. */
  const stats = (reason: string, extra: Record<string, string | number> = {}) => {
    flush(); // the lines before this record first: its counters then include their fate
    seal(reason, extra);
  };
  /** the open record's values: a run's first record is its open, also when that has to wait (disk guard) */
  const openValues: Record<string, string | number> = {};
  let opened = false;
  /** Writes a stats record on its own, sealing the segment; the chain moves on once it is written. */
  const seal = (reason: string, extra: Record<string, string | number> = {}) => {
    if (!opened && reason !== "open") {
      seal("open", openValues);
      if (!opened) return; // not written either: the open stays first
    }
    // a reopen repeats the chain the old file's close ended with
    if (reason === "reopen" && chained) extra = { prev_chain: chain.last, ...extra };
    const k = prog.counters();
    const c = log.counters;
    const values = {
      ...extra,
      events,
      kernel_events: k.seq - base.seq,
      rb_lost: k.rb_lost - base.rb_lost,
      enter_lost: k.enter_lost - base.enter_lost,
      argv_faults: k.argv_faults - base.argv_faults,
      queue_lost: queueLost,
      write_lost: c.write_lost,
      disk_dropped: c.disk_dropped,
      torn_closed: c.torn_closed,
      reopens: c.reopens,
      reopen_failures: c.reopen_failures,
    };
    if (!chained) {
      const ok = log.write(te.encode(encodeStats(wallNowNs(), boot, reason, values) + "\n"), 1);
      opened ||= ok; // (not `opened ||= write()`: that would skip the write once opened)
      return;
    }
    const ok = log.write(sealedStatsLine(chain, nonce, wallNowNs(), boot, reason, values), 1);
    chain.written(ok);
    opened ||= ok;
    if (ok) writeChainState(statePath, { nonce, seg: chain.seg - 1, chain: chain.last });
  };
  const onRecord = (u8: Uint8Array, dv: DataView, off: number, len: number): boolean => {
    if (!enc.fits(len)) {
      flush();
      if (!enc.fits(len)) {
        queueLost++; // the writer cannot keep up (or is failing): count, move on
        return true;
      }
    }
    enc.encode(u8, dv, off, len);
    events++;
    return true;
  };

  let stop = false;
  let hup = false;
  const onStop = () => {
    stop = true;
    ring.wake();
  };
  const onHup = () => {
    hup = true;
    ring.wake();
  };
  const handle = options.handleSignals ?? true;
  if (handle) {
    Deno.addSignalListener("SIGTERM", onStop);
    Deno.addSignalListener("SIGINT", onStop);
    Deno.addSignalListener("SIGHUP", onHup);
  }
  options.signal?.addEventListener("abort", onStop);

  Object.assign(openValues, {
    host: Deno.hostname(),
    version: VERSION,
    pid: Deno.pid,
    max_args: maxArgs,
    max_args_bytes: maxArgsBytes,
    ring_bytes: ringBytes,
    redact: redactKeys.join(","),
    crash_lost: String(crashLost),
    ...(options.ia32 === false ? { ia32: 0 } : {}),
    ...(prog.pins.reset ? { stats_reset: 1 } : {}),
    ...(prog.pins.error ? { pin_error: prog.pins.error } : {}),
    ...(chained
      ? {
        key_id: escrow.key_id,
        sealed_key: escrow.alg === "clear" ? "-" : escrow.sealed,
        prev_chain: prevChain,
      }
      : {}),
  });
  stats("open", openValues);
  options.onReady?.();

  let lastStats = performance.now();
  let timeout = statsMs;
  try {
    while (!stop) {
      await ring.wait(timeout);
      [enc.offSec, enc.offNs] = bootToWallOffset();
      const drained = ring.drain(onRecord);
      const reopens = log.counters.reopens;
      if (hup) {
        hup = false;
        flush(); // a rename seen here is followed before the write
        // a rotation not followed yet (no lines since it): follow it now; one already followed
        // (by a write since the rename) needs no second close/reopen pair in the new file
        if (log.counters.reopens === reopens && log.rotated()) follow();
      }
      const now = performance.now();
      if (now - lastStats >= statsMs) {
        lastStats = now;
        stats("periodic");
      }
      flush();
      if (log.takeRecovered()) stats("recover"); // a failed reopen or write works again
      // events keep coming: look again one interval on; else sleep until the next stats record
      timeout = drained > 0 || ring.pending() > 0
        ? wakeupMs + 20
        : Math.max(1, Math.ceil(statsMs - (performance.now() - lastStats)));
    }
    // stop, keeping every exec whole: no new attempts first; the ones in flight resolve
    // (bounded: ~1 s) while the exit and exec programs still run; then those; then the ring
    prog.detach("enter");
    for (let i = 0; i < 100 && prog.inflight(); i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (i % 10 === 9) ring.drain(onRecord); // keep the ring from filling meanwhile
    }
    prog.detach("rest");
    [enc.offSec, enc.offNs] = bootToWallOffset();
    // until empty; a record still being written (BUSY) by a program that ran
    // just before the detach is waited for, briefly
    for (let i = 0; i < 200; i++) {
      if (ring.drain(onRecord) > 0) continue;
      if (ring.pending() === 0) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    log.checkDisk();
    stats("exit");
    log.sync();
    const k = prog.counters();
    return {
      events,
      queue_lost: queueLost,
      rb_lost: k.rb_lost - base.rb_lost,
      disk_dropped: log.counters.disk_dropped,
      write_lost: log.counters.write_lost,
    };
  } finally {
    if (handle) {
      Deno.removeSignalListener("SIGTERM", onStop);
      Deno.removeSignalListener("SIGINT", onStop);
      Deno.removeSignalListener("SIGHUP", onHup);
    }
    ring.close();
    prog.close();
    log.close();
    chain.close();
  }
}

/** The directory holding `path` ("/a/b/" -> "/a", "b" -> "."). */
function parentDir(path: string): string {
  const p = path.replace(/\/+$/, "");
  const slash = p.lastIndexOf("/");
  return slash > 0 ? p.slice(0, slash) : slash === 0 ? "/" : ".";
}

/** `a` views exactly the bytes of `b`. */
function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  return b !== null && a.buffer === b.buffer && a.byteOffset === b.byteOffset &&
    a.length === b.length;
}

/** The redaction site key, or null (one warning: redacted values then carry no hash). */
function siteKey(path: string, warn: (l: string) => void): Uint8Array | null {
  try {
    return readSiteKey(path);
  } catch (e) {
    warn(`collect: ${(e as Error).message}: redacted values carry no hash`);
    return null;
  }
}

/** The escrow public key's PEM, or null (one warning) when there is none or it is not a key. */
function readPublicKey(path: string, warn: (l: string) => void): string | null {
  let pem: string;
  try {
    pem = Deno.readTextFileSync(path);
  } catch (e) {
    warn(
      `collect: no escrow public key "${path}" (${
        (e as Error).name
      }): the chain's first key is escrowed in clear`,
    );
    return null;
  }
  try {
    createPublicKey(pem); // a bad key file must not stop the audit: escrow in clear, say so
    return pem;
  } catch (e) {
    warn(
      `collect: escrow public key "${path}" is not a usable public key (${
        (e as Error).message
      }): the chain's first key is escrowed in clear`,
    );
    return null;
  }
}
