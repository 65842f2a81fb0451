/**
 * Argv redaction on raw bytes (docs/redaction.md): finds the values of
 * secrets in one argv and hides only them, never the text around them. The
 * encoder writes each hidden byte as `*` (lengths never change) and the `redact`
 * note of the E2 line says where it cut, with a keyed hash of each secret.
 *
 * Shapes found, per word (an argv element, or a word of a `sh -c` script or
 * of an interpreter's `-c`/`-e` code, tokenised lightly):
 * - `key=value` where the key is an identifier (`[A-Za-z0-9_.-]+`, leading
 *   dashes allowed) containing a secret word: the value;
 * - a flag naming a secret (`--password`, `--api-token`, `--pass`, `-pw`)
 *   followed by its value as the next word;
 * - by program name: `mysql`/`mariadb`/... `-pSECRET`; `sshpass -p SECRET`;
 *   `curl -u user:pass` / `--user user:pass` (the pass only), `--oauth2-bearer X`;
 * - headers `Authorization: Bearer X` (the credential), any header whose name
 *   contains a secret word (`X-Api-Key:`, `X-Auth-Token:`);
 * - URL passwords `scheme://user:pass@host` (passwords with `/` or `@` too),
 *   query parameters naming a secret (`?access_token=X&`);
 * - AWS access key ids `AKIA`/`ASIA` + 16 (the 16), secret keys after
 *   `aws_secret_access_key`.
 *
 * plan() runs on every exec: no allocation, no strings; a pre-scan rejects
 * most argv in one pass over the bytes.
 *
 * @module
 */

import { createHmac } from "node:crypto";
import { type ArgvRedactor, MAX_CUTS, NOTE_BYTES_PER_CUT } from "./argv_redactor.ts";

export { DEFAULT_SITE_KEY_FILE, readSiteKey } from "./redact_site_key.ts";

/** The secret words matched by default (lowercase, substring of a key, flag or header name). */
export const DEFAULT_REDACT_KEYS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "api_key",
  "api-key",
  "accesskey",
  "access_key",
  "access-key",
  "private_key",
  "privatekey",
  "private-key",
  "credential",
];

/** Options of {@link Redactor}. */
export interface RedactorOptions {
  /** Secret words (any case, substring match); [] keeps only the fixed shapes. @default {DEFAULT_REDACT_KEYS} */
  keys?: string[];
  /** Key of the note's HMAC-SHA-256 hashes (readSiteKey()); null writes `-` as hash. @default null */
  siteKey?: Uint8Array | null;
}

const te = new TextEncoder();

/** Flag names (dashes stripped, exact, any case) whose value is a secret besides the words. */
const SECRET_FLAGS = ["pass", "pw", "passin", "passout"].map((w) => te.encode(w));

// program kinds
const P_NONE = 0;
const P_WRAPPER = 1; // runs the program named later in its argv
const P_MYSQL = 2;
const P_SSHPASS = 3;
const P_CURL = 4;
const P_SHELL = 5; // -c SCRIPT
const P_CODE = 6; // an interpreter: -c/-e/-r CODE, tokenised like a script
const P_AWS = 7; // aws configure set aws_secret_access_key X

const PROGRAM_LIST: [string, number][] = [
  ...["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "su", "runuser"].map((
    n,
  ): [string, number] => [n, P_SHELL]),
  ...[
    "sudo",
    "doas",
    "env",
    "nohup",
    "nice",
    "ionice",
    "time",
    "timeout",
    "exec",
    "command",
    "xargs",
    "setsid",
    "stdbuf",
    "busybox",
    "nsenter",
    "unshare",
    "chrt",
    "taskset",
    "watch",
    "flock",
  ].map((n): [string, number] => [n, P_WRAPPER]),
  ...["perl", "ruby", "node", "nodejs", "php"].map((n): [string, number] => [n, P_CODE]),
  ["sshpass", P_SSHPASS],
  ["curl", P_CURL],
  ["aws", P_AWS],
];
const MYSQL_PREFIXES = ["mysql", "mariadb"].map((n) => te.encode(n));
const PYTHON = te.encode("python");
const PROGRAM_NAMES = PROGRAM_LIST.map(([n]) => te.encode(n));
const PROGRAM_KINDS = PROGRAM_LIST.map(([, k]) => k);
/** (basename length << 8 | first byte) of the names #kind() knows: 1 (the pre-scan's filter) */
const PROGRAM_HINT = new Uint8Array(17 << 8);
for (const n of [...PROGRAM_NAMES, ...MYSQL_PREFIXES, PYTHON]) {
  // prefixes match longer names too
  const prefix = MYSQL_PREFIXES.includes(n) || n === PYTHON;
  for (let l = n.length; l <= (prefix ? 16 : n.length); l++) PROGRAM_HINT[(l << 8) | n[0]] = 1;
}
const EVAL = te.encode("eval");
const COMMAND = te.encode("command");
/** Shell keywords after which a command starts. */
const KEYWORDS = ["if", "then", "else", "elif", "do", "while", "until", "!", "{"].map((w) =>
  te.encode(w)
);

// what is pending for the next word
const W_NONE = 0;
const W_ALL = 1; // the next word is a secret
const W_USERPASS = 2; // user:pass, the pass is secret
const W_AWS = 3; // a 40-char AWS secret key may follow
const W_SCRIPT = 4; // the next non-option word is a shell script

const AWS_SECRET_WORD = te.encode("aws_secret_access_key");
const HEADER_EQ = te.encode("header=");
const AUTHORIZATION = te.encode("authorization");
const PROXY_AUTHORIZATION = te.encode("proxy-authorization");
const USER = te.encode("user");
const PROXY_USER = te.encode("proxy-user");
const OAUTH2_BEARER = te.encode("oauth2-bearer");
const PASSWORD = te.encode("password");
const PASS_COLON = te.encode("pass:");

const SQ = 0x27;
const DQ = 0x22;
const BS = 0x5c;
const DASH = 0x2d;
const EQ = 0x3d;
const COLON = 0x3a;
const AT = 0x40;
const SLASH = 0x2f;

/**
 * 1: identifier byte [A-Za-z0-9_.-]; 2: word break in a script; 4: space;
 * 8: pre-scan trigger (NUL = : @ A); 16: a command separator in a script
 */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_.-]/.test(ch)) CLASS[c] |= 1;
  if (" \t\r\n;|&()`<>".includes(ch)) CLASS[c] |= 2;
  if ("\n;|&()`".includes(ch)) CLASS[c] |= 16;
  if (" \t\r\n\v\f".includes(ch)) CLASS[c] |= 4;
  if ("\0=:@A".includes(ch)) CLASS[c] |= 8;
}
const ID = 1;
const BREAK = 2;
const SPACE = 4;
const TRIGGER = 8;
const SEPARATOR = 16;

const HEX = te.encode("0123456789abcdef");
/** Most bytes of a URL looked at for `user:pass@host`. */
const MAX_AUTHORITY = 512;
/** Deepest `sh -c "sh -c '...'"` nesting looked into. */
const MAX_SCRIPT_DEPTH = 3;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** u8[s, e) equals the lowercase word w in any case. */
function eqWord(u8: Uint8Array, s: number, e: number, w: Uint8Array): boolean {
  if (e - s !== w.length) return false;
  for (let i = 0; i < w.length; i++) if (lower(u8[s + i]) !== w[i]) return false;
  return true;
}

/** u8[s, e) starts with the lowercase word w in any case. */
function startsWord(u8: Uint8Array, s: number, e: number, w: Uint8Array): boolean {
  if (e - s < w.length) return false;
  for (let i = 0; i < w.length; i++) if (lower(u8[s + i]) !== w[i]) return false;
  return true;
}

/** u8[s, e) ends with "authorization" (any case). */
function endsAuthorization(u8: Uint8Array, s: number, e: number): boolean {
  const n = AUTHORIZATION.length;
  return e - s >= n && startsWord(u8, e - n, e, AUTHORIZATION);
}

function isQuote(c: number): boolean {
  return c === SQ || c === DQ;
}

function isUpperAlnum(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isAlnum(c: number): boolean {
  return isUpperAlnum(c) || (c >= 0x61 && c <= 0x7a);
}

function isBase64(c: number): boolean {
  return isAlnum(c) || c === 0x2b || c === SLASH;
}

/** A URL host (name, IPv4, [IPv6], port) byte. */
function isHostByte(c: number): boolean {
  return isAlnum(c) || c === 0x2e || c === DASH || c === 0x5f || c === COLON || c === 0x5b ||
    c === 0x5d || c === 0x25;
}

/** End of the shell quote opened at u8[q] (the closing quote's index, or e). */
function closeQuote(u8: Uint8Array, q: number, e: number): number {
  const c = u8[q];
  for (let i = q + 1; i < e; i++) {
    if (u8[i] === c) return i;
    if (c === DQ && u8[i] === BS) i++;
  }
  return e;
}

/** Hides only the values of secrets in argv; see the module doc. */
export class Redactor implements ArgvRedactor {
  readonly #keys: Uint8Array[];
  readonly #siteKey: Uint8Array | null;
  /** the secret words by their first byte (both cases) */
  readonly #byFirst: (Uint8Array[] | undefined)[] = new Array(256).fill(undefined);
  /** 1 at (first byte << 8 | second byte), lowercase, of each secret word */
  readonly #pairs = new Uint8Array(1 << 16);
  /** a secret word is one byte long (the pairs do not filter) */
  readonly #oneByteKey: boolean;
  /** shortest secret word */
  readonly #minKey: number;
  /** element start of each planned cut (for the note's offsets) */
  readonly #starts = new Int32Array(MAX_CUTS);
  #cuts: Int32Array = new Int32Array(0);
  #cap = 0;
  #n = 0;
  #overflow = false;
  // the word stream's state
  #prog = P_NONE;
  #pending = W_NONE;
  #cmdStart = true;
  /** how deep in scripts the word being looked at is (0: an argv element) */
  #depth = 0;
  // #url()'s look-ahead within the word being scanned
  #urlEnd = -1;
  #nextAt = -1;

  constructor(options: RedactorOptions = {}) {
    this.#keys = (options.keys ?? DEFAULT_REDACT_KEYS).filter((k) => k.length > 0).map((k) =>
      te.encode(k.toLowerCase())
    );
    this.#siteKey = options.siteKey ?? null;
    for (const k of this.#keys) {
      for (const c of new Set([k[0], k[0] >= 0x61 && k[0] <= 0x7a ? k[0] - 32 : k[0]])) {
        (this.#byFirst[c] ??= []).push(k);
      }
    }
    for (const k of this.#keys) {
      const c = k[0] | 0x20;
      if (k.length === 1) this.#pairs.fill(1, c << 8, (c + 1) << 8);
      else this.#pairs[(c << 8) | (k[1] | 0x20)] = 1;
    }
    this.#oneByteKey = this.#keys.some((k) => k.length === 1);
    this.#minKey = this.#keys.reduce((m, k) => Math.min(m, k.length), 1 << 30);
  }

  plan(u8: Uint8Array, start: number, end: number, maxArgs: number, cuts: Int32Array): number {
    this.#n = 0;
    if (start >= end || maxArgs <= 0 || !this.#worthLooking(u8, start, end, maxArgs)) return 0;
    this.#cuts = cuts;
    this.#cap = Math.min(MAX_CUTS, Math.floor(cuts.length / 3));
    if (this.#cap === 0) return 0;
    this.#overflow = false;
    this.#prog = P_NONE;
    this.#pending = W_NONE;
    this.#cmdStart = true;
    this.#depth = 0;
    let elem = 0;
    let last = start;
    for (let i = start; i < end && elem < maxArgs; elem++) {
      let j = i;
      while (j < end && u8[j] !== 0) j++;
      this.#word(u8, i, j, elem, i, false, 0);
      this.#cmdStart = false; // only argv[0] names the program (even when empty)
      last = j;
      i = j + 1;
    }
    // more secrets than cuts: the last cut runs to the end of the argv
    if (this.#overflow) cuts[3 * (this.#n - 1) + 2] = last;
    return this.#n;
  }

  note(u8: Uint8Array, cuts: Int32Array, n: number, b: Uint8Array, p: number): number {
    for (let k = 0; k < n; k++) {
      const a = cuts[3 * k + 1];
      const z = cuts[3 * k + 2];
      if (k > 0) b[p++] = 0x3b;
      p = putUint(b, p, cuts[3 * k]);
      b[p++] = COLON;
      p = putUint(b, p, a - (k < this.#n ? this.#starts[k] : a));
      b[p++] = COLON;
      p = putUint(b, p, z - a);
      b[p++] = COLON;
      if (this.#siteKey === null) {
        b[p++] = DASH;
      } else {
        const h = createHmac("sha256", this.#siteKey).update(u8.subarray(a, z)).digest();
        for (let i = 0; i < 6; i++) {
          b[p++] = HEX[h[i] >> 4];
          b[p++] = HEX[h[i] & 15];
        }
      }
    }
    return p;
  }

  // ---- pre-scan --------------------------------------------------------

  /** One pass: false when no rule can match (most argv). */
  #worthLooking(u8: Uint8Array, start: number, end: number, maxArgs: number): boolean {
    let base = start;
    let i = start;
    for (; i < end; i++) {
      const c = u8[i];
      if (c === 0) break;
      if (c === SLASH) base = i + 1;
    }
    // program names: a table of (length, first byte) first
    const n = i - base;
    if (
      n > 1 && n < 17 && PROGRAM_HINT[(n << 8) | u8[base]] && this.#kind(u8, start, i) !== P_NONE
    ) {
      return true;
    }
    // argv[0] itself holds no shape
    let elem = 0;
    let es = i + 1;
    let noAt = start;
    for (; i < end; i++) {
      const c = u8[i];
      if ((CLASS[c] & TRIGGER) === 0) continue;
      if (c === 0) {
        if (++elem >= maxArgs) return false;
        es = i + 1;
        if (es < end && u8[es] === DASH && this.#flagMayMatter(u8, es, end)) return true;
      } else if (c === 0x41) {
        // AKIA / ASIA
        if (
          i + 3 < end && (u8[i + 1] === 0x4b || u8[i + 1] === 0x53) && u8[i + 2] === 0x49 &&
          u8[i + 3] === 0x41
        ) return true;
      } else if (c === COLON && i + 2 < end && u8[i + 1] === SLASH && u8[i + 2] === SLASH) {
        // a URL: credentials need an @ in the element (looked for once an element)
        if (i < noAt) continue;
        let j = i + 3;
        while (j < end && u8[j] !== 0 && u8[j] !== AT) j++;
        if (j < end && u8[j] === AT) return true;
        noAt = j;
      } else if (c !== AT) {
        // = or : after a name: key=value, a header
        let j = i;
        while (j > es && (CLASS[u8[j - 1]] & ID) !== 0) j--;
        // (a flag's whole name was looked at above)
        if (j === es && u8[es] === DASH && c === EQ) continue;
        if (j < i && (this.#hasKey(u8, j, i) || (c === COLON && endsAuthorization(u8, j, i)))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The flag element at u8[s...] names a secret (a cheap check on its name). */
  #flagMayMatter(u8: Uint8Array, s: number, end: number): boolean {
    let ns = s + 1;
    if (ns < end && u8[ns] === DASH) ns++;
    let e = ns;
    while (e < end && (CLASS[u8[e]] & ID) !== 0) e++;
    const n = e - ns;
    if (n === 0) return false;
    if (n < this.#minKey) {
      // short: only the exact flag names (all start with p)
      if ((u8[ns] | 0x20) !== 0x70) return false;
      for (let x = 0; x < SECRET_FLAGS.length; x++) {
        if (eqWord(u8, ns, e, SECRET_FLAGS[x])) return true;
      }
      return false;
    }
    return this.#secretName(u8, ns, e);
  }

  // ---- words -----------------------------------------------------------

  /** Records the cut [a, b) of element `elem` (starting at es); keeps cuts ordered. */
  #cut(elem: number, es: number, a: number, b: number): void {
    if (a >= b) return;
    const n = this.#n;
    const cuts = this.#cuts;
    if (n > 0 && a < cuts[3 * n - 1]) return;
    if (n === this.#cap) {
      this.#overflow = true;
      return;
    }
    cuts[3 * n] = elem;
    cuts[3 * n + 1] = a;
    cuts[3 * n + 2] = b;
    this.#starts[n] = es;
    this.#n = n + 1;
  }

  /** A value starting at vs in a word ending at e: quoted content, or up to a quote (scripts). */
  #cutValue(u8: Uint8Array, vs: number, e: number, elem: number, es: number, plain: boolean) {
    if (plain || vs >= e) {
      this.#cut(elem, es, vs, e);
      return;
    }
    if (isQuote(u8[vs])) {
      this.#cut(elem, es, vs + 1, closeQuote(u8, vs, e));
      return;
    }
    let ve = vs;
    while (ve < e && !isQuote(u8[ve]) && u8[ve] !== BS) ve++;
    this.#cut(elem, es, vs, ve);
  }

  /** u8[s, e) contains a secret word (any case). */
  #hasKey(u8: Uint8Array, s: number, e: number): boolean {
    const byFirst = this.#byFirst;
    const pairs = this.#pairs;
    const one = this.#oneByteKey;
    for (let i = s; i < e; i++) {
      const c = u8[i];
      // most positions are rejected by their first two bytes
      // (| 0x20 lowercases letters; on other bytes it only lets more through)
      if (i + 1 < e ? pairs[((c | 0x20) << 8) | (u8[i + 1] | 0x20)] === 0 : !one) continue;
      const ks = byFirst[c];
      if (ks === undefined) continue;
      for (let x = 0; x < ks.length; x++) {
        const k = ks[x];
        if (i + k.length > e) continue;
        let j = 1;
        while (j < k.length && lower(u8[i + j]) === k[j]) j++;
        if (j === k.length) return true;
      }
    }
    return false;
  }

  #secretName(u8: Uint8Array, s: number, e: number): boolean {
    for (let x = 0; x < SECRET_FLAGS.length; x++) {
      if (eqWord(u8, s, e, SECRET_FLAGS[x])) return true;
    }
    return this.#hasKey(u8, s, e);
  }

  /** The program kind of the word u8[s, e) (its basename). */
  #kind(u8: Uint8Array, s: number, e: number): number {
    let b = e;
    while (b > s && u8[b - 1] !== SLASH) b--;
    const n = e - b;
    if (n < 2 || n > 16) return P_NONE;
    for (let m = 0; m < MYSQL_PREFIXES.length; m++) {
      if (startsWord(u8, b, e, MYSQL_PREFIXES[m])) return P_MYSQL;
    }
    if (startsWord(u8, b, e, PYTHON)) return P_CODE;
    for (let k = 0; k < PROGRAM_NAMES.length; k++) {
      const name = PROGRAM_NAMES[k];
      if (name.length !== n) continue;
      let i = 0;
      while (i < n && u8[b + i] === name[i]) i++;
      if (i === n) return PROGRAM_KINDS[k];
    }
    return P_NONE;
  }

  /**
   * One word u8[ws, we) of element `elem` (starting at es): an argv element
   * (script false) or a word of a shell script.
   */
  #word(
    u8: Uint8Array,
    ws: number,
    we: number,
    elem: number,
    es: number,
    script: boolean,
    depth: number,
  ): void {
    let s = ws;
    let e = we;
    // a script word quoted whole is one value: its content, to its end
    let plain = !script;
    if (script && e - s >= 2 && isQuote(u8[s]) && closeQuote(u8, s, e) === e - 1) {
      s++;
      e--;
      plain = true;
    }
    const pending = this.#pending;
    if (pending !== W_NONE) {
      if (pending === W_SCRIPT) {
        if (s < e && (u8[s] === DASH || u8[s] === 0x2b)) {
          // an option between -c and the script
          if (!script) return;
        } else {
          this.#pending = W_NONE;
          if (depth < MAX_SCRIPT_DEPTH) this.#script(u8, s, e, elem, es, depth + 1);
          return;
        }
      } else if (pending === W_AWS && e - s === 1 && u8[s] === EQ) {
        return; // aws_secret_access_key = X
      } else {
        this.#pending = W_NONE;
        if (pending === W_ALL) {
          // openssl -passin pass:X
          this.#cutValue(u8, startsWord(u8, s, e, PASS_COLON) ? s + 5 : s, e, elem, es, plain);
          return;
        }
        if (pending === W_USERPASS) {
          let c = s;
          while (c < e && u8[c] !== COLON) c++;
          if (c < e) this.#cutValue(u8, c + 1, e, elem, es, plain);
          return;
        }
        // W_AWS
        if (e - s === 40) {
          let i = s;
          while (i < e && isBase64(u8[i])) i++;
          if (i === e) {
            this.#cut(elem, es, s, e);
            return;
          }
        }
      }
    }
    if (s >= e) return;
    const c0 = u8[s];
    if (this.#cmdStart) {
      if (script && c0 !== DASH && this.#assignment(u8, s, e)) {
        // VAR=value before the program
        if (!this.#keyValue(u8, s, e, elem, es, plain)) this.#scan(u8, s, e, elem, es, plain);
        return;
      }
      if (script && this.#keyword(u8, s, e)) return; // if mysql ...: mysql is the program
      this.#cmdStart = false;
      this.#prog = this.#kind(u8, s, e);
      return;
    }
    if (this.#prog === P_WRAPPER && c0 !== DASH) {
      const k = this.#kind(u8, s, e);
      if (k !== P_NONE && k !== P_WRAPPER) {
        this.#prog = k;
        return;
      }
    }
    if (c0 === DASH && e - s >= 2 && this.#flag(u8, s, e, elem, es, plain)) return;
    if (c0 !== DASH && this.#keyValue(u8, s, e, elem, es, plain)) return;
    if ((script || this.#prog === P_AWS) && c0 !== DASH && eqWord(u8, s, e, AWS_SECRET_WORD)) {
      // aws configure set aws_secret_access_key X
      this.#pending = W_AWS;
      return;
    }
    this.#scan(u8, s, e, elem, es, plain);
  }

  /** u8[s, e) is a shell keyword that a command follows (`if`, `then`, `!`, ...). */
  #keyword(u8: Uint8Array, s: number, e: number): boolean {
    for (let x = 0; x < KEYWORDS.length; x++) if (eqWord(u8, s, e, KEYWORDS[x])) return true;
    return false;
  }

  /** u8[s, e) is `IDENT=...` (a shell assignment). */
  #assignment(u8: Uint8Array, s: number, e: number): boolean {
    let i = s;
    while (i < e && (CLASS[u8[i]] & ID) !== 0 && u8[i] !== DASH && u8[i] !== 0x2e) i++;
    return i > s && i < e && u8[i] === EQ;
  }

  /** `key=value` with an identifier key naming a secret: hides the value; true when it was one. */
  #keyValue(u8: Uint8Array, s: number, e: number, elem: number, es: number, plain: boolean) {
    let ks = s;
    while (ks < e && u8[ks] === DASH) ks++;
    let i = ks;
    while (i < e && (CLASS[u8[i]] & ID) !== 0) i++;
    if (i === ks || i >= e || u8[i] !== EQ || !this.#hasKey(u8, ks, i)) return false;
    this.#cutValue(u8, i + 1, e, elem, es, plain);
    return true;
  }

  /** A flag word (u8[s] is `-`); true when it was handled whole. */
  #flag(u8: Uint8Array, s: number, e: number, elem: number, es: number, plain: boolean): boolean {
    const single = u8[s + 1] !== DASH;
    const ns = single ? s + 1 : s + 2;
    if (ns >= e) return false;
    const prog = this.#prog;
    const f = u8[ns];
    if (single) {
      if (prog === P_MYSQL && f === 0x70) {
        // -pSECRET; -p alone prompts (the next word is the database)
        this.#cutValue(u8, ns + 1, e, elem, es, plain);
        return true;
      }
      if (prog === P_SSHPASS && f === 0x70) {
        if (ns + 1 < e) this.#cutValue(u8, ns + 1, e, elem, es, plain);
        else this.#pending = W_ALL;
        return true;
      }
      if (prog === P_CURL && (f === 0x75 || f === 0x55)) {
        if (ns + 1 < e) this.#userPass(u8, ns + 1, e, elem, es, plain);
        else this.#pending = W_USERPASS;
        return true;
      }
      if (prog === P_CURL && f === 0x48 && ns + 1 < e) {
        // -HAuthorization: ...
        return this.#header(u8, ns + 1, e, elem, es, plain);
      }
      if (prog === P_SHELL) {
        let i = ns;
        let c = false;
        while (i < e && ((u8[i] | 0x20) >= 0x61 && (u8[i] | 0x20) <= 0x7a)) {
          if (u8[i] === 0x63) c = true;
          i++;
        }
        if (c && i === e) {
          this.#pending = W_SCRIPT;
          return true;
        }
      }
      if (prog === P_CODE) {
        // python -c, perl -e/-E/-ne, ruby -e, node -e, php -r
        let i = ns;
        while (i < e && ((u8[i] | 0x20) >= 0x61 && (u8[i] | 0x20) <= 0x7a)) i++;
        const l = u8[e - 1];
        if (i === e && (l === 0x63 || l === 0x65 || l === 0x45 || l === 0x72)) {
          this.#pending = W_SCRIPT;
          return true;
        }
      }
    }
    let ne = ns;
    while (ne < e && (CLASS[u8[ne]] & ID) !== 0) ne++;
    const eq = ne < e && u8[ne] === EQ;
    if (ne < e && !eq) return false; // not a plain flag name
    if (prog === P_CURL && (eqWord(u8, ns, ne, USER) || eqWord(u8, ns, ne, PROXY_USER))) {
      if (eq) this.#userPass(u8, ne + 1, e, elem, es, plain);
      else this.#pending = W_USERPASS;
      return true;
    }
    if (
      !eq && ((prog === P_CODE && eqWord(u8, ns, ne, EVAL)) ||
        (prog === P_SHELL && eqWord(u8, ns, ne, COMMAND)))
    ) {
      // node --eval CODE, su --command CMD
      this.#pending = W_SCRIPT;
      return true;
    }
    if (eq && prog === P_SHELL && eqWord(u8, ns, ne, COMMAND)) {
      if (this.#depth < MAX_SCRIPT_DEPTH) this.#script(u8, ne + 1, e, elem, es, this.#depth + 1);
      return true;
    }
    if (prog === P_CURL && eqWord(u8, ns, ne, OAUTH2_BEARER)) {
      if (eq) this.#cutValue(u8, ne + 1, e, elem, es, plain);
      else this.#pending = W_ALL;
      return true;
    }
    if (eq && eqWord(u8, ns, ne + 1, HEADER_EQ)) return false; // --header=..., scanned below
    if (!this.#secretName(u8, ns, ne)) return false;
    if (eq) {
      let vs = ne + 1;
      if (startsWord(u8, vs, e, PASS_COLON)) vs += PASS_COLON.length; // openssl pass:X
      this.#cutValue(u8, vs, e, elem, es, plain);
    } else if (!(prog === P_MYSQL && eqWord(u8, ns, ne, PASSWORD))) {
      // mysql --password alone prompts
      this.#pending = W_ALL;
    }
    return true;
  }

  /** user:pass at u8[s, e): hides pass. */
  #userPass(u8: Uint8Array, s: number, e: number, elem: number, es: number, plain: boolean) {
    let c = s;
    while (c < e && u8[c] !== COLON) c++;
    if (c < e) this.#cutValue(u8, c + 1, e, elem, es, plain);
  }

  /**
   * A header `Name: value` at u8[s, e) whose name is Authorization or holds a
   * secret word: hides the value (after the scheme for Authorization); true when it was one.
   */
  #header(u8: Uint8Array, s: number, e: number, elem: number, es: number, plain: boolean): boolean {
    let i = s;
    while (i < e && (CLASS[u8[i]] & ID) !== 0 && u8[i] !== 0x2e) i++;
    if (i === s || i >= e || u8[i] !== COLON) return false;
    if (i + 2 < e && u8[i + 1] === SLASH && u8[i + 2] === SLASH) return false; // a URL
    const auth = eqWord(u8, s, i, AUTHORIZATION) || eqWord(u8, s, i, PROXY_AUTHORIZATION);
    // a header looks like one: X-Name: or Name: value (not secret:path)
    const shaped = i + 1 < e && u8[i + 1] === 0x20;
    let dash = false;
    for (let j = s; j < i && !dash; j++) dash = u8[j] === DASH;
    if (!auth && (!(shaped || dash) || !this.#hasKey(u8, s, i))) return false;
    let vs = i + 1;
    while (vs < e && (u8[vs] === 0x20 || u8[vs] === 0x09)) vs++;
    if (auth) {
      // "Bearer X", "Basic X": keep the scheme
      let sp = vs;
      while (sp < e && isAlnum(u8[sp])) sp++;
      if (sp > vs && sp < e && u8[sp] === 0x20) {
        vs = sp;
        while (vs < e && u8[vs] === 0x20) vs++;
      }
    }
    this.#cutValue(u8, vs, e, elem, es, plain);
    return true;
  }

  /** The shapes found anywhere in a word: headers, URL passwords, AWS key ids. */
  #scan(u8: Uint8Array, s: number, e: number, elem: number, es: number, plain: boolean): void {
    if (this.#header(u8, s, e, elem, es, plain)) return;
    // a header as the value of a key (--header=, git -c http.extraHeader=...)
    let eq = s;
    while (eq < e && (CLASS[u8[eq]] & ID) !== 0) eq++;
    if (eq > s && eq < e && u8[eq] === EQ && this.#header(u8, eq + 1, e, elem, es, plain)) return;
    this.#urlEnd = -1;
    this.#nextAt = -1;
    for (let i = s; i < e; i++) {
      const c = u8[i];
      if (c === COLON) {
        if (i + 2 < e && u8[i + 1] === SLASH && u8[i + 2] === SLASH) {
          i = this.#url(u8, i + 3, e, elem, es);
        }
      } else if (c === 0x3f || c === 0x26) {
        // a query parameter ?key=value&... naming a secret: the value, to & # or the URL's end
        let k = i + 1;
        while (k < e && (CLASS[u8[k]] & ID) !== 0) k++;
        if (k > i + 1 && k < e && u8[k] === EQ && this.#hasKey(u8, i + 1, k)) {
          let v = k + 1;
          while (
            v < e && u8[v] !== 0x26 && u8[v] !== 0x23 && (CLASS[u8[v]] & SPACE) === 0 &&
            !isQuote(u8[v])
          ) v++;
          this.#cut(elem, es, k + 1, v);
          i = v - 1;
        }
      } else if (c === 0x41 && i + 20 <= e) {
        if (
          (u8[i + 1] === 0x4b || u8[i + 1] === 0x53) && u8[i + 2] === 0x49 && u8[i + 3] === 0x41 &&
          (i === s || !isAlnum(u8[i - 1])) && (i + 20 === e || !isAlnum(u8[i + 20]))
        ) {
          let j = i + 4;
          while (j < i + 20 && isUpperAlnum(u8[j])) j++;
          if (j === i + 20) {
            this.#cut(elem, es, i + 4, i + 20);
            i += 19;
          }
        }
      }
    }
  }

  /**
   * The authority of a URL starting at u8[a] (after `://`): hides the password
   * of `user:pass@host`; returns where scanning goes on.
   */
  #url(u8: Uint8Array, a: number, e: number, elem: number, es: number): number {
    // the URL ends at a space or a quote; its authority is short (bounds hostile input)
    // (the ends found are kept for the word's next URLs: linear on hostile input)
    if (this.#urlEnd < a) {
      let j = a;
      while (j < e && (CLASS[u8[j]] & SPACE) === 0 && !isQuote(u8[j]) && u8[j] !== 0x3e) j++;
      this.#urlEnd = j;
    }
    const ue = Math.min(this.#urlEnd, a + MAX_AUTHORITY);
    // user: no / ? # @ before the colon
    let colon = a;
    while (colon < ue) {
      const c = u8[colon];
      if (c === COLON || c === SLASH || c === 0x3f || c === 0x23 || c === AT) break;
      colon++;
    }
    if (colon >= ue || u8[colon] !== COLON) return a - 1;
    let slash = colon + 1;
    let at = -1;
    while (slash < ue && u8[slash] !== SLASH) {
      if (u8[slash] === AT) at = slash; // the last @ before the first /
      slash++;
    }
    if (at < 0) {
      // no @ before the first /: a port, or a password holding a /
      let d = colon + 1;
      while (d < slash && u8[d] >= 0x30 && u8[d] <= 0x39) d++;
      if (d === slash && d > colon + 1) return a - 1;
      if (this.#nextAt < slash) {
        let j = slash;
        while (j < e && u8[j] !== AT) j++;
        this.#nextAt = j;
      }
      const f = this.#nextAt;
      if (f >= ue) return a - 1;
      // the last @ before the next / after it ends the password; a host must follow
      at = f;
      for (let i = f + 1; i < ue && u8[i] !== SLASH; i++) if (u8[i] === AT) at = i;
      let h = at + 1;
      while (h < ue && isHostByte(u8[h])) h++;
      if (h === at + 1 || (h < ue && u8[h] !== SLASH && u8[h] !== 0x3f && u8[h] !== 0x23)) {
        return a - 1;
      }
    }
    // a password holds no "://" (that is the next URL)
    for (let i = colon + 1; i + 2 < at; i++) {
      if (u8[i] === COLON && u8[i + 1] === SLASH && u8[i + 2] === SLASH) return a - 1;
    }
    this.#cut(elem, es, colon + 1, at);
    return at;
  }

  /** Tokenises the shell script u8[s, e) lightly and looks at each word. */
  #script(u8: Uint8Array, s: number, e: number, elem: number, es: number, depth: number): void {
    const prog = this.#prog;
    const cmdStart = this.#cmdStart;
    const outer = this.#depth;
    this.#depth = depth;
    this.#prog = P_NONE;
    this.#pending = W_NONE;
    this.#cmdStart = true;
    let i = s;
    while (i < e) {
      const c = u8[i];
      const k = CLASS[c];
      if (k & BREAK) {
        if (k & SEPARATOR) {
          // ; | & ( ) ` newline: a new command (spaces, < and > only end a word)
          this.#prog = P_NONE;
          this.#pending = W_NONE;
          this.#cmdStart = true;
        }
        i++;
        continue;
      }
      if (c === 0x24 && i + 1 < e && u8[i + 1] === 0x28) {
        // $( starts a command
        this.#prog = P_NONE;
        this.#pending = W_NONE;
        this.#cmdStart = true;
        i += 2;
        continue;
      }
      const ws = i;
      while (i < e) {
        const d = u8[i];
        if (d === SQ || d === DQ) {
          i = closeQuote(u8, i, e) + 1;
        } else if (d === BS) {
          i += 2;
        } else if ((CLASS[d] & BREAK) !== 0 || (d === 0x24 && i + 1 < e && u8[i + 1] === 0x28)) {
          break;
        } else {
          i++;
        }
      }
      if (i > e) i = e;
      this.#word(u8, ws, i, elem, es, true, depth);
    }
    this.#prog = prog;
    this.#pending = W_NONE;
    this.#cmdStart = cmdStart;
    this.#depth = outer;
  }
}

function putUint(b: Uint8Array, p: number, v: number): number {
  if (v >= 10) p = putUint(b, p, Math.floor(v / 10));
  b[p++] = 0x30 + (v % 10);
  return p;
}

const td = new TextDecoder();

/**
 * Redacts a whole argv the way the encoder does (for tests and the codec):
 * each hidden byte becomes `*`; returns the new elements and the `redact` note.
 */
export function redactArgv(
  argv: Uint8Array[],
  r: ArgvRedactor,
): { argv: Uint8Array[]; note: string } {
  let size = 0;
  for (const a of argv) size += a.length + 1;
  const buf = new Uint8Array(size);
  const starts: number[] = [];
  let p = 0;
  for (const a of argv) {
    starts.push(p);
    buf.set(a, p);
    p += a.length + 1;
  }
  const cuts = new Int32Array(3 * MAX_CUTS);
  const n = r.plan(buf, 0, size, argv.length, cuts);
  const out = buf.slice();
  for (let k = 0; k < n; k++) {
    for (let i = cuts[3 * k + 1]; i < cuts[3 * k + 2]; i++) if (out[i] !== 0) out[i] = 0x2a;
  }
  const note = new Uint8Array(n * NOTE_BYTES_PER_CUT);
  const len = r.note(buf, cuts, n, note, 0);
  return {
    argv: argv.map((a, i) => out.slice(starts[i], starts[i] + a.length)),
    note: td.decode(note.subarray(0, len)),
  };
}
