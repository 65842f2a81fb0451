/**
 * The encodings of the Sigma value modifiers `base64`, `base64offset`,
 * `wide`/`utf16le`, `utf16be` and `utf16` (pure functions on strings and
 * bytes, as pySigma computes them).
 *
 * @module
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (with `=` padding) of `bytes`. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + "=";
  }
  return out;
}

const ENCODER = new TextEncoder();
const BOM_UTF8 = [0xef, 0xbb, 0xbf];

/**
 * The bytes the base64 modifiers encode: the value's UTF-8 bytes; after
 * `utf16` (which put U+FEFF first) the byte order mark is written as the
 * UTF-16LE one, FF FE.
 */
export function base64Input(text: string, afterUtf16: boolean): Uint8Array {
  const bytes = ENCODER.encode(text);
  if (afterUtf16 && BOM_UTF8.every((b, i) => bytes[i] === b)) {
    const out = new Uint8Array(bytes.length - 1);
    out[0] = 0xff;
    out[1] = 0xfe;
    out.set(bytes.subarray(3), 2);
    return out;
  }
  return bytes;
}

/**
 * `base64offset`: the three encodings of `data` shifted by 0, 1 and 2
 * bytes, cut to the characters that do not depend on what surrounds the
 * value in the encoded text.
 */
export function base64Offsets(data: Uint8Array): string[] {
  const starts = [0, 2, 3];
  const ends = [0, -3, -2]; // 0: to the end
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const shifted = new Uint8Array(i + data.length);
    shifted.fill(0x20, 0, i);
    shifted.set(data, i);
    const enc = base64(shifted);
    const end = ends[(data.length + i) % 3];
    out.push(enc.slice(starts[i], end === 0 ? enc.length : enc.length + end));
  }
  return out;
}

/** UTF-16 byte orders of the `wide` modifiers. */
export type Utf16Order = "le" | "be";

/**
 * A literal as UTF-16 bytes, one character per byte; null when a byte
 * would be 0x80 or above (pySigma turns the bytes back into text as UTF-8,
 * which only keeps such values apart from others for ASCII-range bytes).
 */
export function utf16Text(lit: string, order: Utf16Order): string | null {
  let out = "";
  for (let i = 0; i < lit.length; i++) {
    const u = lit.charCodeAt(i);
    if ((u & 0x8080) !== 0) return null;
    const lo = String.fromCharCode(u & 0xff);
    const hi = String.fromCharCode(u >> 8);
    out += order === "le" ? lo + hi : hi + lo;
  }
  return out;
}
