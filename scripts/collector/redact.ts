/**
 * Argv redaction, on the raw bytes of one element at a time (no strings):
 *
 * - `key=value` where the key (dashes stripped, any case) contains a secret
 *   word: the value goes (`--password=x`, `PGPASSWORD=x`, `aws_secret_access_key=x`);
 * - a flag naming a secret (`--password`, `--api-token`) hides the next element whole;
 * - credentials in a URL (`https://user:pass@host/`) lose the password.
 *
 * What is hidden is replaced by `<redacted>`, and the line's flags get 0x40.
 *
 * @module
 */

import { FLAGS } from "../lib/log_codec.ts";

/** The secret words matched by default (lowercase, substring match). */
export const DEFAULT_REDACT_KEYS = [
  "password",
  "passwd",
  "secret",
  "token",
  "apikey",
  "api_key",
  "api-key",
  "accesskey",
  "access_key",
  "private_key",
  "privatekey",
  "credential",
];

/** Written where a secret was. */
export const REDACTED = new TextEncoder().encode("<redacted>");
/** The flags bit of a line whose argv was redacted. */
export const EF_REDACTED = FLAGS.redacted;

const MAX_KEY = 128;

export class Redactor {
  /** the hidden range of the last planned element, when plan() returned true */
  cutStart = 0;
  cutEnd = 0;
  #keys: Uint8Array[];
  #nextSecret = false;
  #lower = new Uint8Array(MAX_KEY);

  constructor(keys: string[] = DEFAULT_REDACT_KEYS) {
    this.#keys = keys.filter((k) => k.length > 0).map((k) =>
      new TextEncoder().encode(k.toLowerCase())
    );
  }

  /** Call before the first element of each argv. */
  reset(): void {
    this.#nextSecret = false;
  }

  #hasKey(n: number): boolean {
    const low = this.#lower;
    for (const k of this.#keys) {
      outer: for (let i = 0; i + k.length <= n; i++) {
        for (let j = 0; j < k.length; j++) if (low[i + j] !== k[j]) continue outer;
        return true;
      }
    }
    return false;
  }

  /** Lowercases u8[s, e) (dashes at the start skipped) into the scratch; returns its length. */
  #name(u8: Uint8Array, s: number, e: number): number {
    while (s < e && u8[s] === 0x2d) s++;
    const n = Math.min(e - s, MAX_KEY);
    for (let i = 0; i < n; i++) {
      const c = u8[s + i];
      this.#lower[i] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
    }
    return n;
  }

  /** Plans element u8[s, e): true when [cutStart, cutEnd) must be hidden. */
  plan(u8: Uint8Array, s: number, e: number): boolean {
    if (this.#nextSecret) {
      this.#nextSecret = false;
      this.cutStart = s;
      this.cutEnd = e;
      return true;
    }
    let eq = -1;
    let colonSlashSlash = -1;
    const lim = Math.min(e, s + MAX_KEY);
    for (let i = s; i < e; i++) {
      const c = u8[i];
      if (c === 0x3d && eq < 0 && i < lim) eq = i;
      else if (
        c === 0x3a && colonSlashSlash < 0 && i + 2 < e && u8[i + 1] === 0x2f && u8[i + 2] === 0x2f
      ) {
        colonSlashSlash = i;
      }
    }
    if (
      eq > s && (colonSlashSlash < 0 || eq < colonSlashSlash) && this.#hasKey(this.#name(u8, s, eq))
    ) {
      this.cutStart = eq + 1;
      this.cutEnd = e;
      return this.cutEnd > this.cutStart;
    }
    if (eq < 0 && u8[s] === 0x2d && e - s > 1 && this.#hasKey(this.#name(u8, s, e))) {
      this.#nextSecret = true;
      return false;
    }
    if (colonSlashSlash >= 0) {
      // scheme://user:pass@host...: hide pass
      const a = colonSlashSlash + 3;
      let at = -1;
      let colon = -1;
      for (let i = a; i < e; i++) {
        const c = u8[i];
        if (c === 0x2f || c === 0x3f || c === 0x23) break;
        if (c === 0x3a && colon < 0) colon = i;
        if (c === 0x40) at = i;
      }
      if (at > 0 && colon > 0 && colon < at) {
        this.cutStart = colon + 1;
        this.cutEnd = at;
        return this.cutEnd > this.cutStart;
      }
    }
    return false;
  }
}
