/**
 * Lossless bytes <-> string ("surrogateescape", as Python's): valid UTF-8
 * decodes as usual, every byte of an invalid sequence becomes the lone
 * surrogate U+DC80 + (byte - 0x80)... U+DCFF. Encoding reverses it exactly, so
 * any byte string survives a round trip through a JS string (and JSON, where
 * such a surrogate prints as "\udcXX").
 *
 * @module
 */

/**
 * Length of the valid UTF-8 sequence starting at `i` (1-4), or 0 when the
 * byte there does not start a valid sequence (bytes < 0x80 are length 1).
 */
export function utf8SeqLen(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  if (c < 0xe0) {
    return i + 1 < end && (b[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  }
  if (c < 0xf0) {
    if (i + 2 >= end) return 0;
    const c1 = b[i + 1];
    if (
      c === 0xe0
        ? c1 < 0xa0 || c1 > 0xbf
        : c === 0xed
        ? c1 < 0x80 || c1 > 0x9f
        : (c1 & 0xc0) !== 0x80
    ) {
      return 0;
    }
    return (b[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c < 0xf5) {
    if (i + 3 >= end) return 0;
    const c1 = b[i + 1];
    if (
      c === 0xf0
        ? c1 < 0x90 || c1 > 0xbf
        : c === 0xf4
        ? c1 < 0x80 || c1 > 0x8f
        : (c1 & 0xc0) !== 0x80
    ) {
      return 0;
    }
    return (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes bytes to a string, mapping invalid UTF-8 bytes to U+DC80..U+DCFF. */
export function bytesToText(b: Uint8Array, start = 0, end = b.length): string {
  const sub = b.subarray(start, end);
  let ascii = true;
  for (let i = 0; i < sub.length; i++) {
    if (sub[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, sub as unknown as number[]);
  try {
    return strictUtf8.decode(sub);
  } catch {
    // invalid somewhere: decode piecewise
  }
  let out = "";
  let runStart = 0;
  for (let i = 0; i < sub.length;) {
    const n = utf8SeqLen(sub, i, sub.length);
    if (n === 0) {
      if (runStart < i) out += strictUtf8.decode(sub.subarray(runStart, i));
      out += String.fromCharCode(0xdc00 + sub[i]);
      i++;
      runStart = i;
    } else {
      i += n;
    }
  }
  if (runStart < sub.length) out += strictUtf8.decode(sub.subarray(runStart));
  return out;
}

const encoder = new TextEncoder();

/** Encodes a string to bytes, turning U+DC80..U+DCFF back into the raw bytes. */
export function textToBytes(s: string): Uint8Array {
  let hasLone = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
      if (!(prev >= 0xd800 && prev <= 0xdbff)) {
        hasLone = true;
        break;
      }
    }
  }
  if (!hasLone) return encoder.encode(s);
  const parts: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        for (const x of encoder.encode(s.slice(i, i + 2))) parts.push(x);
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(c - 0xdc00);
      continue;
    }
    for (const x of encoder.encode(s[i])) parts.push(x);
  }
  return new Uint8Array(parts);
}

/** The byte strings one after the other (the one part itself when there is only one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
