/**
 * The per-site key of the redaction note's hashes (docs/redaction.md): a
 * root-only file holding hex digits or raw bytes. It is read once at start.
 *
 * @module
 */

/** Where the collector looks for the site key by default. */
export const DEFAULT_SITE_KEY_FILE = "/etc/syscall-audit/redact.key";

/** Fewest key bytes accepted (an HMAC key shorter than this is guessable). */
export const MIN_SITE_KEY_BYTES = 16;
/** Most bytes a key file may hold. */
export const MAX_SITE_KEY_FILE_BYTES = 4096;

/**
 * Reads the site key at `path`: a regular file (not a symlink, checked before
 * and after opening), owned by root, not accessible by group or others. A
 * file of hex digits only (whitespace around allowed, even count) is decoded;
 * anything else is taken as raw bytes. Throws a one-line error naming the problem.
 */
export function readSiteKey(path: string = DEFAULT_SITE_KEY_FILE): Uint8Array {
  const fail = (why: string): never => {
    throw new Error(`Cannot read site key "${path}": ${why}`);
  };
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(path);
  } catch (e) {
    return fail(e instanceof Deno.errors.NotFound ? "no such file" : String(e).split("\n")[0]);
  }
  if (st.isSymlink) fail("a symlink");
  if (!st.isFile) fail("not a regular file");
  if (st.uid !== 0) fail(`owned by uid ${st.uid}, not root`);
  if (st.mode === null || (st.mode & 0o077) !== 0) {
    fail(`mode ${((st.mode ?? 0) & 0o7777).toString(8)} lets group or others in (want 600 or 400)`);
  }
  if (st.size > MAX_SITE_KEY_FILE_BYTES) fail(`larger than ${MAX_SITE_KEY_FILE_BYTES} bytes`);
  let raw: Uint8Array;
  const f = Deno.openSync(path, { read: true });
  try {
    const fst = f.statSync();
    // the name may have been swapped for a symlink or another file in between
    if (!fst.isFile || fst.dev !== st.dev || fst.ino !== st.ino) fail("changed while opening");
    const buf = new Uint8Array(MAX_SITE_KEY_FILE_BYTES + 1);
    let n = 0;
    for (;;) {
      const r = f.readSync(buf.subarray(n));
      if (r === null || r === 0) break;
      n += r;
      if (n > MAX_SITE_KEY_FILE_BYTES) fail(`larger than ${MAX_SITE_KEY_FILE_BYTES} bytes`);
    }
    raw = buf.slice(0, n);
  } finally {
    f.close();
  }
  const key = decodeKey(raw);
  if (key.length < MIN_SITE_KEY_BYTES) {
    fail(`${key.length} key bytes, want at least ${MIN_SITE_KEY_BYTES}`);
  }
  return key;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Hex digits (trimmed, even count) -> their bytes; anything else -> the bytes as they are. */
function decodeKey(raw: Uint8Array): Uint8Array {
  let s = 0;
  let e = raw.length;
  while (s < e && isSpace(raw[s])) s++;
  while (e > s && isSpace(raw[e - 1])) e--;
  if (e === s || (e - s) % 2 !== 0) return raw;
  for (let i = s; i < e; i++) if (hexVal(raw[i]) < 0) return raw;
  const out = new Uint8Array((e - s) / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (hexVal(raw[s + 2 * i]) << 4) | hexVal(raw[s + 2 * i + 1]);
  }
  return out;
}
