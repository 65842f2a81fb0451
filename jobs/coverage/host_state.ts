/**
 * The coverage job's map side for one host: its files in name order go
 * through here (records, bad lines, raw lines for the hash chain, file
 * events), and {@link HostState.summary} is what is emitted. State is
 * bounded: counters, a minute bitmap, per (boot, cpu) last time and seq
 * ranges, per collector run its counters, and the chain verifier's run.
 *
 * @module
 */

import type { HostedBadLine, HostedRecord } from "../job.ts";
import { ChainVerifier, parseSeal } from "../../scripts/tamper/verify.ts";
import { UNVERIFIABLE } from "../../scripts/tamper/verify.ts";
import { openEscrow, parseEscrow } from "../../scripts/tamper/escrow.ts";
import {
  cmpNs,
  emptySummary,
  encodeMinutes,
  LOSS_COUNTERS,
  MINUTES,
  type Summary,
} from "./summary.ts";

const te = new TextEncoder();
const DAY_NS = 86_400_000_000_000n;
const MINUTE_NS = 60_000_000_000n;

/** ns since the epoch of a day's midnight ("2026-11-27"). */
export function dayStartNs(day: string): bigint {
  return BigInt(Date.parse(`${day}T00:00:00Z`)) * 1_000_000n;
}

/** Options of {@link HostState}. */
export interface HostStateOptions {
  /** the analysed day, when the engine has one */
  day?: string;
  /** PEM private key that opens sealed escrow records */
  privateKeyPem?: string;
}

/** One host's day on the map side. */
export class HostState {
  readonly s: Summary = emptySummary();
  readonly #keys = new Map<string, Uint8Array>();
  readonly #verifier: ChainVerifier;
  readonly #bits = new Uint8Array(MINUTES / 8);
  #dayStart: bigint | null = null;
  /** last time by "boot/cpu" ("boot/s" for S1 records) */
  readonly #lastTime = new Map<string, string>();
  /** seq epoch by boot: the time of the open that restarted the numbering */
  readonly #epoch = new Map<string, string>();
  /** the current file is a conflict copy: its lines are not counted nor chained */
  #skip = false;
  /** lines the chain cannot have seen since its last record (too long, file cut) */
  #unseen = false;

  constructor(readonly host: string, readonly o: HostStateOptions = {}) {
    this.#verifier = new ChainVerifier({ keys: this.#keys });
    if (o.day) this.#setDay(o.day);
  }

  #setDay(day: string): void {
    this.s.day = day;
    this.#dayStart = dayStartNs(day);
  }

  /** An escrow record's text: its key joins the verifier's. */
  key(text: string, name: string): void {
    try {
      const r = parseEscrow(text, name);
      this.#keys.set(r.nonce, openEscrow(r, this.o.privateKeyPem));
    } catch {
      this.s.keys_unusable++;
    }
  }

  startFile(file: string, conflict: boolean): void {
    this.s.seen = true;
    this.s.files++;
    this.#skip = conflict;
    if (conflict) {
      this.s.conflict_files++;
      return;
    }
    this.#verifier.startFile(file);
  }

  endFile(error: string | undefined): void {
    if (!this.#skip && error) {
      this.s.corrupt_files++;
      this.#unseen = true;
    }
    this.#skip = false;
  }

  /** A raw line (no LF) for the chain. */
  rawLine(text: string, no: number): void {
    if (this.#skip) return;
    const b = te.encode(text + "\n");
    const rec = text.startsWith("S1\t") ? parseSeal(b) : null;
    if (!rec) {
      this.#verifier.data(b, 1, no);
      return;
    }
    const v = this.#verifier;
    const broken = v.counts.broken;
    v.record(rec, no);
    if (this.#unseen && v.counts.broken > broken) {
      // the chain saw fewer lines than were written: they were not read, not proved edited
      const n = v.counts.broken - broken;
      v.counts.broken -= n;
      v.counts.unverifiable += n;
      for (let i = v.breaks.length - n; i < v.breaks.length; i++) {
        v.breaks[i] = { ...v.breaks[i], kind: "unverifiable-tail" };
      }
    }
    this.#unseen = false;
  }

  /** A decoded record of the day. */
  record(r: HostedRecord): void {
    if (this.#skip) return;
    const s = this.s;
    s.records++;
    if (s.day === null) this.#setDay(r.time.slice(0, 10));
    s.first_ns = s.first_ns === null || cmpNs(r.time_ns, s.first_ns) < 0 ? r.time_ns : s.first_ns;
    s.last_ns = s.last_ns === null || cmpNs(r.time_ns, s.last_ns) > 0 ? r.time_ns : s.last_ns;
    const t = BigInt(r.time_ns);
    const off = t - this.#dayStart!;
    if (off >= 0n && off < DAY_NS) {
      const m = Number(off / MINUTE_NS);
      this.#bits[m >> 3] |= 1 << (m & 7);
    }
    const clockKey = `${r.boot_id}/${r.type === "exec" ? r.cpu : "s"}`;
    const last = this.#lastTime.get(clockKey);
    if (last !== undefined && cmpNs(r.time_ns, last) < 0) s.backwards++;
    else this.#lastTime.set(clockKey, r.time_ns);
    if (r.type === "exec") {
      s.exec_records++;
      s.e2_lost += r.lost ?? 0;
      if (r.version >= 1) {
        const k = `${r.boot_id}/${r.cpu}/${this.#epoch.get(r.boot_id) ?? "0"}`;
        const q = s.seq[k];
        if (q) {
          q[0] = Math.min(q[0], r.seq);
          q[1] = Math.max(q[1], r.seq);
          q[2]++;
        } else s.seq[k] = [r.seq, r.seq, 1];
      }
      return;
    }
    s.stats_records++;
    const v = r.values;
    const open = r.reason === "open";
    if (open) {
      s.opens++;
      const n = Number(v.crash_lost ?? 0);
      if (Number.isFinite(n) && n > 0) s.crash_lost += n;
      if (v.version !== undefined && !s.versions.includes(v.version)) {
        s.versions = [...s.versions, v.version].sort();
      }
      // seq starts again with this run: counters not pinned, or created anew (docs/log-format.md);
      // E1 numbers per collector run
      if (v.pin_error !== undefined || v.stats_reset === "1" || !v.nonce) {
        this.#epoch.set(r.boot_id, r.time_ns);
      }
    }
    if (r.reason === "exit") s.exits++;
    const runKey = v.nonce ? `n:${v.nonce}` : `b:${r.boot_id}/${this.#epoch.get(r.boot_id) ?? ""}`;
    const values = LOSS_COUNTERS.map((c) => {
      const n = Number(v[c] ?? 0);
      return Number.isFinite(n) && n > 0 ? n : 0;
    });
    const run = s.runs[runKey];
    if (!run || open) {
      s.runs[runKey] = {
        f: r.time_ns,
        l: r.time_ns,
        base: open ? LOSS_COUNTERS.map(() => 0) : values,
        last: values,
      };
    } else {
      run.l = r.time_ns;
      run.last = values;
    }
  }

  /** A line that did not decode (or was not read). */
  bad(b: HostedBadLine): void {
    if (this.#skip) return;
    const s = this.s;
    switch (b.reason) {
      case "torn":
        s.torn++;
        break;
      case "unknown-version":
        s.unknown_version++;
        break;
      case "unknown-kind":
        s.unknown_kind++;
        break;
      case "malformed":
        s.malformed++;
        break;
      case "line_too_long":
        s.line_too_long++;
        this.#unseen = true;
        break;
      case "outside_day":
        s.outside_day++;
        break;
    }
  }

  /** The summary to emit (ends the chain). */
  summary(): Summary {
    const r = this.#verifier.finish();
    const s = this.s;
    s.chain_verified = r.counts.verified;
    s.chain_broken = r.counts.broken;
    s.chain_unverifiable = r.counts.unverifiable;
    s.chain_no_key = r.breaks.filter((b) => b.kind === "no-key").length;
    s.break_kinds = [
      ...new Set(r.breaks.filter((b) => !UNVERIFIABLE.has(b.kind)).map((b) => b.kind)),
    ].sort();
    s.minutes = encodeMinutes(this.#bits);
    for (const k of this.#keys.values()) k.fill(0);
    return s;
  }
}
