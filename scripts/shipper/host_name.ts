/**
 * Host names become one HDFS path component (`host=<host>`): lower case,
 * every byte outside `[a-z0-9._-]` percent-encoded (Hive's escaping, which
 * Spark's partition discovery decodes), so no "/", "..", control character,
 * "=" or "%" of the name's own survives; at most {@link MAX_ENCODED_HOST}
 * characters once encoded.
 *
 * @module
 */

const SAFE = /^[a-z0-9._-]$/;

/** Longest encoded host name (one path component; HDFS allows 255 bytes). */
export const MAX_ENCODED_HOST = 200;

/** The path-safe form of a host name; throws a TypeError for an empty name. */
export function sanitizeHost(host: string): string {
  const lower = host.toLowerCase();
  if (!lower.length) throw new TypeError("Host name is empty");
  let out = "";
  for (const b of new TextEncoder().encode(lower)) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && SAFE.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  // "." and ".." alone are path navigation
  if (/^\.+$/.test(out)) out = out.replaceAll(".", "%2E");
  if (out.length > MAX_ENCODED_HOST) {
    throw new TypeError(
      `Host name is too long: ${out.length} characters encoded, at most ${MAX_ENCODED_HOST} (${host.length} characters as given)`,
    );
  }
  return out;
}

/** A stable fraction in [0, 1) from a string (FNV-1a), e.g. for a per-host splay. */
export function stableFraction(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}
