/**
 * Key escrow: a collector run's first key K0 leaves the host sealed to the
 * audit team's public key (RSA-OAEP-SHA256) in an escrow file
 * `<keyDir>/<boot>-<nonce>.key`, which the shipper uploads write-once to
 * HDFS and deletes locally once proven stored (scripts/shipper/keys.ts).
 * Without a public key the file holds K0 in clear (`alg` "clear"). Also the
 * small chain state file that links a run to the previous one.
 *
 * Files are created root-only and never through a symlink (O_CREAT|O_EXCL;
 * replacements by rename).
 *
 * @module
 */

import { constants, privateDecrypt, publicEncrypt } from "node:crypto";
import { fromHex, keyId } from "./chain.ts";

/** An escrow file's JSON. */
export interface EscrowRecord {
  host: string;
  boot: string;
  /** the run's nonce (32 hex digits) */
  nonce: string;
  /** first 16 hex digits of SHA-256(K0) */
  key_id: string;
  /** "RSA-OAEP-SHA256" (sealed to the escrow public key) or "clear" */
  alg: "RSA-OAEP-SHA256" | "clear";
  /** K0, base64: sealed, or in clear for alg "clear" */
  sealed: string;
}

export const SEALED_ALG = "RSA-OAEP-SHA256";

/** A new run's first key and nonce. */
export function newRunKey(): { k0: Uint8Array; nonce: string } {
  const k0 = crypto.getRandomValues(new Uint8Array(32));
  const n = crypto.getRandomValues(new Uint8Array(16));
  return { k0, nonce: [...n].map((x) => x.toString(16).padStart(2, "0")).join("") };
}

/** K0 sealed to a PEM public key (RSA-OAEP, SHA-256), base64. */
export function sealKey(k0: Uint8Array, publicKeyPem: string): string {
  const out = publicEncrypt(
    { key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    k0,
  );
  return out.toString("base64");
}

/** The key sealed by {@link sealKey}, opened with the PEM private key. */
export function unsealKey(sealedB64: string, privateKeyPem: string): Uint8Array {
  const out = privateDecrypt(
    { key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    Buffer.from(sealedB64, "base64"),
  );
  return new Uint8Array(out);
}

/** The escrow record of a run: sealed when a public key is given, else clear. */
export function escrowRecord(
  k0: Uint8Array,
  o: { host: string; boot: string; nonce: string; publicKeyPem?: string | null },
): EscrowRecord {
  return {
    host: o.host,
    boot: o.boot,
    nonce: o.nonce,
    key_id: keyId(k0),
    alg: o.publicKeyPem ? SEALED_ALG : "clear",
    sealed: o.publicKeyPem ? sealKey(k0, o.publicKeyPem) : btoa(String.fromCharCode(...k0)),
  };
}

/**
 * Makes `dir` (and missing parents) and checks it is a real directory of
 * ours, not a symlink; sets mode 0700.
 */
export function ensurePrivateDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = Deno.lstatSync(dir);
  if (st.isSymlink || !st.isDirectory) {
    throw new Error(`Cannot use "${dir}": not a directory (a symlink?)`);
  }
  const uid = Deno.uid();
  if (uid !== null && st.uid !== uid) {
    throw new Error(`Cannot use "${dir}": owned by uid ${st.uid}`);
  }
  if (((st.mode ?? 0) & 0o777) !== 0o700) Deno.chmodSync(dir, 0o700);
}

/** Writes a new file 0600, never through a symlink or over an existing file, synced. */
function createPrivate(path: string, text: string): void {
  const f = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
  try {
    const b = new TextEncoder().encode(text);
    let off = 0;
    while (off < b.length) off += f.writeSync(b.subarray(off));
    f.syncSync();
  } finally {
    f.close();
  }
}

/** The escrow file's name in a key directory. */
export function escrowName(boot: string, nonce: string): string {
  return `${boot}-${nonce}.key`;
}

/** Where the collector escrows its runs' first keys and the shipper takes them from. */
export const DEFAULT_KEY_DIR = "/var/lib/syscall-audit/keys";

/** Writes `<keyDir>/<boot>-<nonce>.key`; returns its path. */
export function writeEscrow(keyDir: string, rec: EscrowRecord): string {
  if (!/^[0-9a-f]{32}$/.test(rec.nonce) || !/^[0-9a-f]{32}$/.test(rec.boot)) {
    throw new RangeError(`Cannot write an escrow file: bad boot or nonce`);
  }
  ensurePrivateDir(keyDir);
  const path = `${keyDir}/${escrowName(rec.boot, rec.nonce)}`;
  createPrivate(path, JSON.stringify(rec) + "\n");
  return path;
}

/** Parses an escrow file's text; throws a one-line error. */
export function parseEscrow(text: string, name: string): EscrowRecord {
  let r: EscrowRecord;
  try {
    r = JSON.parse(text);
  } catch {
    throw new SyntaxError(`Cannot read escrow file "${name}": not JSON`);
  }
  if (
    typeof r !== "object" || r === null || !/^[0-9a-f]{32}$/.test(String(r.nonce)) ||
    !/^[0-9a-f]{16}$/.test(String(r.key_id)) || typeof r.sealed !== "string" ||
    (r.alg !== SEALED_ALG && r.alg !== "clear")
  ) {
    throw new SyntaxError(`Cannot read escrow file "${name}": missing or bad fields`);
  }
  return r;
}

/** K0 of an escrow record (unsealed with the private key when sealed); checks key_id. */
export function openEscrow(r: EscrowRecord, privateKeyPem?: string): Uint8Array {
  let k0: Uint8Array;
  if (r.alg === "clear") {
    k0 = Uint8Array.from(atob(r.sealed), (c) => c.charCodeAt(0));
  } else {
    if (!privateKeyPem) throw new Error(`key ${r.key_id} is sealed: --private-key is needed`);
    try {
      k0 = unsealKey(r.sealed, privateKeyPem);
    } catch {
      throw new Error(`key ${r.key_id} does not open with this private key`);
    }
  }
  if (k0.length !== 32 || keyId(k0) !== r.key_id) {
    throw new Error(`key ${r.key_id} does not match its key_id`);
  }
  return k0;
}

/** Keys by nonce, from every `*.key` file under the directories (recursively). */
export interface KeyRing {
  keys: Map<string, Uint8Array>;
  /** one line per file that could not be used */
  problems: string[];
}

/** Loads escrow files from directories (a host's key dir, or a copy of HDFS `_keys/`). */
export function loadKeys(dirs: string[], privateKeyPem?: string): KeyRing {
  const ring: KeyRing = { keys: new Map(), problems: [] };
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch (e) {
      ring.problems.push(`Cannot read key directory "${dir}": ${(e as Error).message}`);
      return;
    }
    for (const e of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile && e.name.endsWith(".key")) {
        try {
          const r = parseEscrow(Deno.readTextFileSync(p), p);
          ring.keys.set(r.nonce, openEscrow(r, privateKeyPem));
        } catch (err) {
          ring.problems.push(`${p}: ${(err as Error).message}`);
        }
      }
    }
  };
  for (const d of dirs) walk(d);
  return ring;
}

/** What links the next run to this one. */
export interface ChainState {
  nonce: string;
  seg: number;
  chain: string;
}

/** The chain state (null when missing, unreadable, not a regular file of ours, or bad). */
export function readChainState(path: string): ChainState | null {
  try {
    const st = Deno.lstatSync(path);
    const uid = Deno.uid();
    if (!st.isFile || (uid !== null && st.uid !== uid)) return null;
    const s = JSON.parse(Deno.readTextFileSync(path)) as ChainState;
    if (!fromHex(String(s.chain)) || !/^[0-9a-f]{32}$/.test(String(s.nonce))) return null;
    return s;
  } catch {
    return null;
  }
}

/** Replaces the chain state atomically (a new file, then rename); best effort: false on failure. */
export function writeChainState(path: string, s: ChainState): boolean {
  const tmp = `${path}.tmp`;
  try {
    try {
      Deno.removeSync(tmp); // a leftover (or a planted symlink: unlink removes the link)
    } catch {
      // none
    }
    createPrivate(tmp, JSON.stringify(s) + "\n");
    Deno.renameSync(tmp, path);
    return true;
  } catch {
    return false;
  }
}
