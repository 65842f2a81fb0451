/**
 * Test helpers: a collector run written the way the collector writes it
 * (data, sealed records, close/reopen around rotations), without a kernel.
 *
 * @module
 */

import { concatBytes } from "../lib/text_bytes.ts";
import { gzipSync } from "node:zlib";
import { ChainWriter, keyId } from "./chain.ts";
import { newRunKey } from "./escrow.ts";
import { sealedStatsLine } from "./record.ts";

const te = new TextEncoder();
export const BOOT = "0123456789abcdef0123456789abcdef";

/** A collector run written the way the collector writes: data, sealed records, close/reopen. */
export class SimLog {
  readonly files: Uint8Array[][] = [[]];
  readonly k0: Uint8Array;
  readonly nonce: string;
  chain: ChainWriter;
  t = 1_764_547_200_000_000_000n;
  n = 0;
  constructor() {
    const { k0, nonce } = newRunKey();
    this.k0 = k0;
    this.nonce = nonce;
    this.chain = new ChainWriter(k0);
  }
  write(b: Uint8Array) {
    this.files.at(-1)!.push(b);
    this.chain.feed(b);
  }
  events(n: number) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      this.t += 1000n;
      lines.push(`E2\t${this.t}\t${BOOT}\t0\t${this.n++}\tline ${this.n}\t.\n`);
    }
    this.write(te.encode(lines.join("")));
  }
  stats(reason: string, extra: Record<string, string> = {}) {
    this.t += 1000n;
    const line = sealedStatsLine(this.chain, this.nonce, String(this.t), BOOT, reason, {
      ...extra,
      events: this.n,
    });
    this.write(line);
    this.chain.written(true);
  }
  open() {
    this.stats("open", { host: "h1", key_id: keyId(this.k0), sealed_key: "-", prev_chain: "-" });
  }
  rotate() {
    this.stats("close");
    this.files.push([]);
    this.stats("reopen", { prev_chain: this.chain.last });
  }
  /** writes the files: name -> text */
  async save(dir: string, gzipIndex = -1): Promise<string[]> {
    const paths: string[] = [];
    for (let i = 0; i < this.files.length; i++) {
      const bytes = concatBytes(this.files[i]);
      const p = `${dir}/audit.log.${i}${i === gzipIndex ? ".gz" : ""}`;
      await Deno.writeFile(p, i === gzipIndex ? gzipSync(bytes) : bytes);
      paths.push(p);
    }
    return paths;
  }
}

/** Three files: open, events and periodic records, two rotations, exit. */
export function threeFiles(): SimLog {
  const s = new SimLog();
  s.open();
  for (let f = 0; f < 3; f++) {
    for (let i = 0; i < 4; i++) {
      s.events(50);
      s.stats("periodic");
    }
    s.events(7);
    if (f < 2) s.rotate();
  }
  s.stats("exit");
  return s;
}
