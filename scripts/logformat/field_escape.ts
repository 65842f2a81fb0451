/**
 * The field escape of the audit log: any byte string <-> a tab- and
 * newline-free, valid UTF-8 field.
 *
 * | byte                          | written as          |
 * | ----------------------------- | ------------------- |
 * | `\` 0x5C                      | `\\`                |
 * | TAB, LF, CR                   | `\t`, `\n`, `\r`    |
 * | other 0x00-0x1F, 0x7F         | `\xHH`              |
 * | byte of an invalid UTF-8 seq. | `\xHH`              |
 * | anything else                 | itself              |
 *
 * HH is two lowercase hex digits. The decoder also takes uppercase.
 *
 * @module
 */

import { bytesToText, textToBytes, utf8SeqLen } from "../lib/text_bytes.ts";

const HEX = new TextEncoder().encode("0123456789abcdef");
const BS = 0x5c;

/** Worst-case escaped size of `n` raw bytes. */
export function escapedMax(n: number): number {
  return n * 4;
}

/**
 * Escapes src[start, end) into out at pos (out must hold escapedMax(end - start)
 * more bytes). Returns the new position. The collector's hot path.
 */
export function escapeInto(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  pos: number,
): number {
  for (let i = start; i < end;) {
    const c = src[i];
    if (c >= 0x20 && c < 0x7f) {
      if (c === BS) {
        out[pos++] = BS;
        out[pos++] = BS;
      } else {
        out[pos++] = c;
      }
      i++;
    } else if (c < 0x80) {
      out[pos++] = BS;
      if (c === 0x09) out[pos++] = 0x74; // t
      else if (c === 0x0a) out[pos++] = 0x6e; // n
      else if (c === 0x0d) out[pos++] = 0x72; // r
      else {
        out[pos++] = 0x78; // x
        out[pos++] = HEX[c >> 4];
        out[pos++] = HEX[c & 15];
      }
      i++;
    } else {
      const n = utf8SeqLen(src, i, end);
      if (n === 0) {
        out[pos++] = BS;
        out[pos++] = 0x78;
        out[pos++] = HEX[c >> 4];
        out[pos++] = HEX[c & 15];
        i++;
      } else {
        for (let k = 0; k < n; k++) out[pos++] = src[i + k];
        i += n;
      }
    }
  }
  return pos;
}

/** Escapes raw bytes into a field. */
export function escapeBytes(raw: Uint8Array): string {
  const out = new Uint8Array(escapedMax(raw.length));
  const n = escapeInto(raw, 0, raw.length, out, 0);
  return new TextDecoder().decode(out.subarray(0, n));
}

/** Escapes a string (surrogate-escaped bytes allowed, see text_bytes.ts) into a field. */
export function escapeField(s: string): string {
  // fast path: printable ASCII without backslash needs nothing
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === BS) {
      plain = false;
      break;
    }
  }
  return plain ? s : escapeBytes(textToBytes(s));
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Raised for a field that is not a valid escape (a corrupt or foreign line). */
export class EscapeError extends SyntaxError {
  override name = "EscapeError";
}

/** Unescapes field bytes src[start, end) to the raw bytes. */
export function unescapeBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  let i = start;
  for (; i < end; i++) if (src[i] === BS) break;
  if (i === end) return src.slice(start, end);
  const out = new Uint8Array(end - start);
  let pos = 0;
  for (let j = start; j < end; j++) {
    const c = src[j];
    if (c !== BS) {
      out[pos++] = c;
      continue;
    }
    if (++j >= end) throw new EscapeError("Invalid escape: a field ends with a lone backslash");
    const e = src[j];
    if (e === BS) out[pos++] = BS;
    else if (e === 0x74) out[pos++] = 0x09;
    else if (e === 0x6e) out[pos++] = 0x0a;
    else if (e === 0x72) out[pos++] = 0x0d;
    else if (e === 0x78 && j + 2 < end && hexVal(src[j + 1]) >= 0 && hexVal(src[j + 2]) >= 0) {
      out[pos++] = (hexVal(src[j + 1]) << 4) | hexVal(src[j + 2]);
      j += 2;
    } else {
      throw new EscapeError(`Invalid escape at byte ${j - 1 - start} of a field`);
    }
  }
  return out.slice(0, pos);
}

/** Unescapes a field to a string (invalid UTF-8 surrogate-escaped, see text_bytes.ts). */
export function unescapeField(f: string): string {
  if (f.indexOf("\\") < 0) return f;
  return bytesToText(unescapeBytes(new TextEncoder().encode(f)));
}
