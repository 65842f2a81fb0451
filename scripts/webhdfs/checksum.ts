/**
 * HDFS's default file checksum computed locally, so an upload can be proven
 * without reading it back: GETFILECHECKSUM returns "MD5-of-<n>MD5-of-512CRC32C",
 * an MD5 over each block's MD5 over the CRC32C of each 512-byte chunk, which
 * the DataNodes compute from the checksums they stored with the data.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { FileChecksum } from "./client.ts";

// CRC-32C (Castagnoli), reflected, slicing by 8
const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) {
    T[t * 256 + n] = (T[(t - 1) * 256 + n] >>> 8) ^ T[T[(t - 1) * 256 + n] & 0xff];
  }
}

/** Updates a CRC-32C state (start with ~0, finish with ~state) over b[from, to). */
export function crc32cUpdate(state: number, b: Uint8Array, from: number, to: number): number {
  let c = state | 0;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    c = T[7 * 256 + (c & 0xff)] ^ T[6 * 256 + ((c >>> 8) & 0xff)] ^
      T[5 * 256 + ((c >>> 16) & 0xff)] ^ T[4 * 256 + (c >>> 24)] ^
      T[3 * 256 + b[i + 4]] ^ T[2 * 256 + b[i + 5]] ^ T[256 + b[i + 6]] ^ T[b[i + 7]];
  }
  for (; i < to; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return c;
}

/** CRC-32C of a whole buffer (unsigned). */
export function crc32c(b: Uint8Array): number {
  return (~crc32cUpdate(~0, b, 0, b.length)) >>> 0;
}

/** HDFS's default block size (dfs.blocksize), what the shipper creates files with. */
export const DEFAULT_BLOCK_SIZE = 128 * 1024 * 1024;

/**
 * Streaming MD5-of-MD5-of-CRC32C, as HDFS computes it for a replicated file
 * written with `blockSize`: constant memory (an MD5 state and 16 bytes per
 * block).
 */
export class HdfsChecksum {
  readonly blockSize: number;
  readonly #bytesPerCrc: number;
  #crc = ~0;
  /** bytes in the current chunk and block */
  #inChunk = 0;
  #inBlock = 0;
  #blockMd5 = createHash("md5");
  readonly #blockMd5s: Uint8Array[] = [];
  /** CRCs of the current block waiting to be hashed */
  readonly #crcBuf = new Uint8Array(4096);
  #crcLen = 0;
  #length = 0;

  /** @param blockSize the file's block size (as asked for in CREATE) */
  constructor(blockSize = DEFAULT_BLOCK_SIZE, bytesPerCrc = 512) {
    if (blockSize <= 0 || blockSize % bytesPerCrc) {
      throw new RangeError(`block size ${blockSize} is not a multiple of ${bytesPerCrc}`);
    }
    this.blockSize = blockSize;
    this.#bytesPerCrc = bytesPerCrc;
  }

  /** Bytes seen so far. */
  get length(): number {
    return this.#length;
  }

  update(b: Uint8Array): void {
    this.#length += b.length;
    let i = 0;
    while (i < b.length) {
      const take = Math.min(
        b.length - i,
        this.#bytesPerCrc - this.#inChunk,
        this.blockSize - this.#inBlock,
      );
      this.#crc = crc32cUpdate(this.#crc, b, i, i + take);
      i += take;
      this.#inChunk += take;
      this.#inBlock += take;
      if (this.#inChunk === this.#bytesPerCrc) this.#endChunk();
      if (this.#inBlock === this.blockSize) this.#endBlock();
    }
  }

  #endChunk(): void {
    const c = (~this.#crc) >>> 0;
    const o = this.#crcLen;
    this.#crcBuf[o] = c >>> 24;
    this.#crcBuf[o + 1] = (c >>> 16) & 0xff;
    this.#crcBuf[o + 2] = (c >>> 8) & 0xff;
    this.#crcBuf[o + 3] = c & 0xff;
    this.#crcLen += 4;
    if (this.#crcLen === this.#crcBuf.length) {
      this.#blockMd5.update(this.#crcBuf);
      this.#crcLen = 0;
    }
    this.#crc = ~0;
    this.#inChunk = 0;
  }

  #endBlock(): void {
    if (this.#inChunk) this.#endChunk();
    if (this.#crcLen) this.#blockMd5.update(this.#crcBuf.subarray(0, this.#crcLen));
    this.#crcLen = 0;
    this.#blockMd5s.push(this.#blockMd5.digest());
    this.#blockMd5 = createHash("md5");
    this.#inBlock = 0;
  }

  /** The checksum GETFILECHECKSUM reports for these bytes (call once, at the end). */
  digest(): FileChecksum {
    if (this.#inBlock) this.#endBlock();
    const blocks = this.#blockMd5s;
    // HDFS digests the whole backing array of a DataOutputBuffer (32 bytes,
    // doubled as needed), so the block MD5s are followed by zero padding
    let cap = 32;
    while (cap < blocks.length * 16) cap *= 2;
    const all = new Uint8Array(cap);
    blocks.forEach((m, i) => all.set(m, i * 16));
    const crcPerBlock = blocks.length > 1 ? this.blockSize / this.#bytesPerCrc : 0;
    const bytes = new Uint8Array(28);
    const v = new DataView(bytes.buffer);
    v.setInt32(0, this.#bytesPerCrc);
    v.setBigInt64(4, BigInt(crcPerBlock));
    bytes.set(createHash("md5").update(all).digest(), 12);
    return {
      algorithm: `MD5-of-${crcPerBlock}MD5-of-${this.#bytesPerCrc}CRC32C`,
      bytes: [...bytes].map((x) => x.toString(16).padStart(2, "0")).join(""),
      length: 28,
    };
  }
}
