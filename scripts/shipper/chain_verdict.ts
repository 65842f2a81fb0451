/**
 * The shipper's verdict on a file's S1 hash chain (docs/log-format.md,
 * docs/tamper-evidence.md) before it uploads it, recorded in each piece's
 * `user.syscall_audit` xattr as `chain`; it never stops a file from shipping
 * (the evidence must reach HDFS). Verdicts: `"ok"` (every segment's MAC
 * checked), `"broken: <first break>"` (edited, lines or segments missing,
 * reordered, a run link that does not hold), `"unverifiable: <why>"` (the
 * structure holds but a MAC could not be checked: the run's first key is
 * sealed to the audit team or already shipped, or lines after the last
 * chain record).
 *
 * @module
 */

import { loadKeys } from "../tamper/escrow.ts";
import { type BreakKind, verifyFiles } from "../tamper/verify.ts";

/** Breaks that say "not checked", not "tampered with". */
const UNVERIFIABLE: ReadonlySet<BreakKind> = new Set<BreakKind>([
  "no-key",
  "unverifiable-head",
  "unverifiable-tail",
]);
/** Longest verdict recorded (an xattr value, read by people). */
const MAX_VERDICT = 300;

/**
 * The verdict on the hash chain of the log at `path` (the shipper passes
 * `/proc/self/fd/<fd>` of the descriptor it checked and reads, so the
 * verifier reads the very same file), with the first keys still escrowed in
 * `keyDir` (in clear on a host without the audit team's public key).
 */
export async function chainVerdict(path: string, keyDir?: string): Promise<string> {
  const keys = keyDir ? loadKeys([keyDir]).keys : new Map<string, Uint8Array>();
  const r = await verifyFiles([path], { keys });
  for (const k of keys.values()) k.fill(0);
  const bad = r.breaks.find((b) => !UNVERIFIABLE.has(b.kind));
  const cut = (s: string) => s.length > MAX_VERDICT ? s.slice(0, MAX_VERDICT - 3) + "..." : s;
  const more = (n: number) => n > 1 ? ` (+${n - 1} more)` : "";
  if (bad) {
    const n = r.breaks.filter((b) => !UNVERIFIABLE.has(b.kind)).length;
    return cut(`broken: line ${bad.line}: ${bad.kind}: ${bad.detail}${more(n)}`);
  }
  if (r.breaks.length) {
    const b = r.breaks[0];
    return cut(`unverifiable: line ${b.line}: ${b.kind}: ${b.detail}${more(r.breaks.length)}`);
  }
  if (r.counts.verified === 0) return "unverifiable: no chain records";
  return "ok";
}
