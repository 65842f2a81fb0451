/**
 * The writer side of the keyed hash chain (docs/log-format.md, "Tamper
 * evidence"): every byte that reaches the log is fed here; each S1 record
 * closes a segment with
 *
 *   chain(i) = HMAC-SHA-256(K(i), C(i-1) ‖ D(i) ‖ P(i)),  K(i+1) = SHA-256(K(i))
 *
 * HMAC is spelled out over two SHA-256 states (RFC 2104) so that a seal can
 * be tried without ending the segment: a record that does not reach the file
 * (disk guard, write error) leaves the chain as it was, and its next try
 * covers the same bytes. Once a record is written the key evolves and the
 * previous key's bytes are overwritten (what node:crypto copied into its own
 * hash state is freed with it, not wiped: see docs/tamper-evidence.md).
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";

/** C(-1): the chain value before a run's first record. */
export const ZERO_CHAIN: Uint8Array = new Uint8Array(32);

const BLOCK = 64;

/** SHA-256 of `b`. */
export function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(b).digest());
}

/** K(i+1) from K(i). */
export function nextKey(k: Uint8Array): Uint8Array {
  return sha256(k);
}

/** K(i) from K0 (the verifier's way; the writer only ever steps once). */
export function keyAt(k0: Uint8Array, i: number): Uint8Array {
  let k = k0;
  for (let n = 0; n < i; n++) k = sha256(k);
  return k === k0 ? k0.slice() : k;
}

/** The public name of a first key: the first 16 hex digits of SHA-256(K0). */
export function keyId(k0: Uint8Array): string {
  return toHex(sha256(k0)).slice(0, 16);
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** 64 hex digits -> 32 bytes, or null. */
export function fromHex(s: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(s)) return null;
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** HMAC-SHA-256 state of one segment: the inner hash open for D(i), the outer pad kept. */
export class SegmentMac {
  #inner: Hash;
  #opad: Uint8Array;
  #done = false;

  constructor(key: Uint8Array, prev: Uint8Array) {
    const ipad = new Uint8Array(BLOCK);
    this.#opad = new Uint8Array(BLOCK);
    ipad.set(key);
    this.#opad.set(key);
    for (let i = 0; i < BLOCK; i++) {
      ipad[i] ^= 0x36;
      this.#opad[i] ^= 0x5c;
    }
    this.#inner = createHash("sha256").update(ipad).update(prev);
    ipad.fill(0);
  }

  update(b: Uint8Array): void {
    this.#inner.update(b);
  }

  /** The MAC of what was fed plus `tail`; the state stays open. */
  peek(tail: Uint8Array): Uint8Array {
    const inner = this.#inner.copy().update(tail).digest();
    return new Uint8Array(createHash("sha256").update(this.#opad).update(inner).digest());
  }

  /** Ends the state and overwrites the pad. */
  wipe(): void {
    if (this.#done) return;
    this.#done = true;
    this.#inner.digest();
    this.#opad.fill(0);
  }
}

/** The chain writer of one collector run. */
export class ChainWriter {
  /** the segment the next record closes (the `seg` field) */
  seg = 0;
  /** lines and bytes fed since the last record (`seg_lines`, `seg_bytes`) */
  segLines = 0;
  segBytes = 0;
  #key: Uint8Array;
  #prev: Uint8Array;
  #mac: SegmentMac;
  /** the record being written: its bytes are recognised when they reach the file */
  #staged: { line: Uint8Array; chain: Uint8Array; at: number } | null = null;

  /** `k0` is copied; the caller overwrites its own copy once it is escrowed. */
  constructor(k0: Uint8Array) {
    this.#key = k0.slice();
    this.#prev = ZERO_CHAIN.slice();
    this.#mac = new SegmentMac(this.#key, this.#prev);
  }

  /** The last chain value written (C(seg-1)), hex. */
  get last(): string {
    return toHex(this.#prev);
  }

  /**
   * Bytes that reached the log, and the LFs among them when the caller knows
   * (counting them costs about as much as the hash). While a record is being
   * written, bytes that continue it are taken as the record; anything else
   * is data.
   */
  feed(b: Uint8Array, lines = -1): void {
    const s = this.#staged;
    if (s && b.length <= s.line.length - s.at && sameAt(s.line, s.at, b)) {
      s.at += b.length;
      return;
    }
    // D(0) is empty: what comes before the open record (the LF ending a torn line) is not covered
    if (this.seg === 0) return;
    this.#mac.update(b);
    this.segBytes += b.length;
    if (lines >= 0) this.segLines += lines;
    else for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) this.segLines++;
  }

  /**
   * The chain value for a record that starts with `prefix` (its bytes up to
   * and including `chain=`); the record is then `prefix + hex + "\t.\n"`.
   * Nothing changes until {@link written} says whether it reached the file.
   */
  seal(prefix: Uint8Array): string {
    if (this.#staged) {
      throw new TypeError("Cannot seal: the previous record is still being written");
    }
    const chain = this.#mac.peek(prefix);
    const hex = toHex(chain);
    const line = new Uint8Array(prefix.length + 67);
    line.set(prefix);
    line.set(new TextEncoder().encode(`${hex}\t.\n`), prefix.length);
    this.#staged = { line, chain, at: 0 };
    return hex;
  }

  /**
   * The write of the sealed record ended: `ok` when all of it reached the
   * file. Then the segment ends and the key evolves; otherwise what reached
   * the file of it counts as data and the next record closes the same segment.
   */
  written(ok: boolean): void {
    const s = this.#staged;
    if (!s) return;
    this.#staged = null;
    if (!ok || s.at !== s.line.length) {
      if (s.at > 0) this.feed(s.line.subarray(0, s.at));
      return;
    }
    this.#mac.wipe();
    const next = nextKey(this.#key);
    this.#key.fill(0);
    this.#key = next;
    this.#prev = s.chain;
    this.#mac = new SegmentMac(this.#key, this.#prev);
    this.seg++;
    this.segLines = 0;
    this.segBytes = 0;
  }

  /** Overwrites the key (at exit). */
  close(): void {
    this.#mac.wipe();
    this.#key.fill(0);
  }
}

function sameAt(line: Uint8Array, at: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (line[at + i] !== b[i]) return false;
  return true;
}
