/**
 * The chained S1 record's layout (docs/log-format.md): the stats values,
 * then `seg_lines`, `seg_bytes`, `nonce`, `seg` and `chain` last before the
 * end mark. One place for the writer (collector) and the tests.
 *
 * @module
 */

import { encodeStats } from "../logformat/mod.ts";
import type { ChainWriter } from "./chain.ts";

const te = new TextEncoder();

/**
 * The whole record line (LF included) for `reason`, sealed by `chain`;
 * hand it to the log's write, then call `chain.written(ok)`.
 */
export function sealedStatsLine(
  chain: ChainWriter,
  nonce: string,
  timeNs: string,
  boot: string,
  reason: string,
  values: Record<string, string | number | bigint>,
): Uint8Array {
  const line = encodeStats(timeNs, boot, reason, {
    ...values,
    seg_lines: chain.segLines,
    seg_bytes: chain.segBytes,
    nonce,
    seg: chain.seg,
    chain: "",
  }); // "...\tchain=\t."
  const prefix = te.encode(line.slice(0, -2));
  const hex = chain.seal(prefix);
  const out = new Uint8Array(prefix.length + 67);
  out.set(prefix);
  out.set(te.encode(`${hex}\t.\n`), prefix.length);
  return out;
}
