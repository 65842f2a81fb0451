/**
 * Test helpers of the coverage job: one host's day written the way the
 * collector writes it (E2 records, chained S1 records, a rotation), with
 * losses put in at write time so the chain still holds, and its escrowed
 * key.
 *
 * @module
 */

import { encodeExec, type ExecEvent } from "../../scripts/logformat/mod.ts";
import { execEvent } from "../../tests/support/exec_event.ts";
import { ChainWriter, keyId } from "../../scripts/tamper/chain.ts";
import { escrowRecord, newRunKey } from "../../scripts/tamper/escrow.ts";
import { sealedStatsLine } from "../../scripts/tamper/record.ts";
import type { Input } from "../engine/memory.ts";
import { LOSS_COUNTERS, type LossCounter } from "./summary.ts";

export const DAY = "2026-11-27";
export const BOOT = "0123456789abcdef0123456789abcdef";
const DAY_S = BigInt(Date.parse(`${DAY}T00:00:00Z`) / 1000);
/** ns since the epoch of second `s` of DAY (decimal). */
export const atSec = (s: number) => String((DAY_S + BigInt(s)) * 1_000_000_000n + 1000n);

/** Options of {@link hostDay}. @default a complete day */
export interface HostDayOptions {
  /** seconds [from, to) of the day without any record */
  skip?: [number, number];
  /** second of the day the collector starts (its open record), and its last before exit. @default 5, 86_340 */
  start?: number;
  end?: number;
  /** write no exec records (only S1) */
  noExecs?: boolean;
  /** S1 counters raised by this much from noon on */
  counters?: Partial<Record<LossCounter, number>>;
  /** crash_lost of the open record */
  crashLost?: number;
  /** an E2 record at 10:00 with this `lost` */
  e2Lost?: number;
  /** seq numbers skipped at 08:00 (cpu 0) */
  seqJump?: number;
  /** raw lines written (and chained) at 09:00 */
  extra?: string[];
}

const te = new TextEncoder();

/** One host's day: two files (rotation at 12:00), its escrowed key. */
export function hostDay(host: string, o: HostDayOptions = {}) {
  const { k0, nonce } = newRunKey();
  const chain = new ChainWriter(k0);
  const files: string[][] = [[]];
  const write = (line: string) => {
    files.at(-1)!.push(line);
    chain.feed(te.encode(line + "\n"));
  };
  const seq = [0, 0];
  const raised = (s: number) =>
    Object.fromEntries(
      LOSS_COUNTERS.map((c) => [c, s >= 43_200 ? o.counters?.[c] ?? 0 : 0]),
    ) as Record<string, number>;
  let events = 0;
  const stats = (s: number, reason: string, extra: Record<string, string | number> = {}) => {
    const b = sealedStatsLine(chain, nonce, atSec(s), BOOT, reason, {
      ...extra,
      events,
      ...raised(s),
    });
    const line = new TextDecoder().decode(b).slice(0, -1);
    files.at(-1)!.push(line);
    chain.feed(b);
    chain.written(true);
  };
  const skipped = (s: number) => o.skip !== undefined && s >= o.skip[0] && s < o.skip[1];
  const start = o.start ?? 5;
  const end = o.end ?? 86_340;
  stats(start, "open", {
    host,
    version: "0.3.0",
    pid: 77,
    crash_lost: o.crashLost ?? 0,
    key_id: keyId(k0),
    sealed_key: "-",
    prev_chain: "-",
  });
  for (let s = 30 + 60 * Math.ceil((start - 5) / 60); s < end; s += 60) {
    if (skipped(s)) continue;
    if (!o.noExecs) {
      const cpu = (s / 60 | 0) % 2;
      if (s === 28_830 && cpu === 0) seq[0] += o.seqJump ?? 0;
      if (s === 28_830 && o.seqJump && cpu !== 0) throw new Error("seqJump expects cpu 0");
      const over: Partial<ExecEvent> = s === 36_030 ? { lost: o.e2Lost ?? 0 } : {};
      write(encodeExec(execEvent({
        time_ns: atSec(s),
        cpu,
        seq: seq[cpu]++,
        pid: 1000 + (s % 30000),
        comm: "ls",
        pcomm: "bash",
        filename: "/bin/ls",
        argv: ["ls"],
        ...over,
      })));
      events++;
    }
    if (s === 32_430) { for (const l of o.extra ?? []) write(l); }
    if (s % 600 === 30) stats(s + 10, "periodic");
    if (s === 43_170) {
      stats(s + 20, "close");
      files.push([]);
      stats(s + 25, "reopen", { prev_chain: chain.last });
    }
  }
  stats(end + 50, "exit");
  const inputs: Input[] = files.map((lines, i) => ({
    host,
    file: `audit.1764201600.${i}.log.gz`,
    lines,
  }));
  const key = JSON.stringify(escrowRecord(k0, { host, boot: BOOT, nonce }));
  return { inputs, keys: [[`${BOOT}-${nonce}.key`, key]] as [string, string][] };
}
