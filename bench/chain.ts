/**
 * Micro-measure of the tamper chain's cost per exec line: synthetic E2 lines
 * in flush-sized buffers fed to ChainWriter (as the collector's writer does
 * after each write), with a sealed record every `--per-seal` lines. Prints
 * user CPU per line and per byte. `deno run -A bench/chain.ts [--lines N] [--buffer BYTES]`
 *
 * @module
 */

import process from "node:process";
import { ChainWriter } from "../scripts/tamper/chain.ts";
import { newRunKey } from "../scripts/tamper/escrow.ts";
import { sealedStatsLine } from "../scripts/tamper/record.ts";
import { synthLog } from "../tests/support/synth_log.ts";
import { parseFlags } from "../scripts/lib/flags.ts";

const f = parseFlags(Deno.args, { string: ["lines", "buffer", "per-seal"] }).values;
const lines = Number(f.lines ?? 400_000);
const bufferBytes = Number(f.buffer ?? 64 * 1024);
const perSeal = Number(f["per-seal"] ?? 20_000);
const log = synthLog({ startNs: "1764547200000000000", count: lines, statsEveryNs: 10n ** 18n });
let n = 0;
for (const b of log) if (b === 0x0a) n++;
// whole lines per buffer, as the encoder flushes them
const buffers: { b: Uint8Array; lines: number }[] = [];
for (let s = 0; s < log.length;) {
  let e = Math.min(s + bufferBytes, log.length);
  e = log.lastIndexOf(0x0a, e - 1) + 1;
  if (e <= s) e = log.indexOf(0x0a, s) + 1;
  let k = 0;
  for (let i = s; i < e; i++) if (log[i] === 0x0a) k++;
  buffers.push({ b: log.subarray(s, e), lines: k });
  s = e;
}
const { k0, nonce } = newRunKey();
const boot = "0".repeat(32);
for (let round = 0; round < 3; round++) {
  const w = new ChainWriter(k0);
  let since = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const { b, lines: k } of buffers) {
    w.feed(b, k);
    since += k;
    if (since >= perSeal) {
      since = 0;
      const line = sealedStatsLine(w, nonce, "1764547200000000000", boot, "periodic", {
        events: 1,
      });
      w.feed(line);
      w.written(true);
    }
  }
  const cpu = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  console.log(
    `round ${round}: ${n} lines, ${
      (log.length / n).toFixed(0)
    } B/line, ${buffers.length} buffers of <= ${bufferBytes} B: ` +
      `${(cpu.user / n * 1000).toFixed(0)} ns user CPU/line (${
        (cpu.user * 1000 / log.length).toFixed(2)
      } ns/B), ` +
      `wall ${(ms * 1e6 / n).toFixed(0)} ns/line, ${(log.length / ms / 1000).toFixed(0)} MB/s`,
  );
}
