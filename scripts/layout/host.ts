/**
 * Host names become one path component of the layout (`host=<host>`,
 * docs/hdfs-layout.md): lower case,
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

/** The host name of a `host=` value (the inverse of {@link sanitizeHost}, lower case). */
export function hostOfDir(encoded: string): string {
  return decodeURIComponent(encoded);
}
