/**
 * Sigma strings: a rule's string value parsed into literal text and the
 * wildcards `*` (any run of characters, also none) and `?` (exactly one
 * character). The backslash escapes `*`, `?` and itself; before any other
 * character it is a plain backslash (the specification's "Escape Character"):
 *
 *   `C:\Windows` and `C:\\Windows` -> `C:\Windows`    `\*` -> a plain `*`
 *   `\\*` -> `\` then the wildcard                       `\\\*` -> `\*` plainly
 *   `\\\\` (and `\\\`) -> `\\`
 *
 * @module
 */

/** The wildcard matching any run of characters. */
export const MULTI = Symbol("*");
/** The wildcard matching exactly one character. */
export const SINGLE = Symbol("?");

/** A part of a Sigma string: literal text, or a wildcard. */
export type Part = string | typeof MULTI | typeof SINGLE;

/** A Sigma string: parts with adjacent literals merged, no empty literal. */
export type SigmaString = readonly Part[];

/** Pushes `p` onto `parts`, merging adjacent literals and dropping empty ones. */
function push(parts: Part[], p: Part): void {
  if (typeof p === "string") {
    if (p === "") return;
    const last = parts.length - 1;
    if (last >= 0 && typeof parts[last] === "string") {
      parts[last] = (parts[last] as string) + p;
      return;
    }
  }
  parts.push(p);
}

/** Parses a rule's string value (wildcards and escapes as the specification says). */
export function parseSigmaString(s: string): SigmaString {
  const parts: Part[] = [];
  let lit = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      const n = s[i + 1];
      if (n === "*" || n === "?" || n === "\\") {
        lit += n;
        i++;
      } else {
        lit += c;
      }
    } else if (c === "*" || c === "?") {
      push(parts, lit);
      lit = "";
      push(parts, c === "*" ? MULTI : SINGLE);
    } else {
      lit += c;
    }
  }
  push(parts, lit);
  return parts;
}

/** A Sigma string of plain text only (no wildcard). */
export function plainString(s: string): SigmaString {
  return s === "" ? [] : [s];
}

/** Concatenates Sigma strings (literals at the seams merged). */
export function concat(...strings: SigmaString[]): SigmaString {
  const parts: Part[] = [];
  for (const s of strings) for (const p of s) push(parts, p);
  return parts;
}

/** Whether the string has a wildcard. */
export function hasWildcard(s: SigmaString): boolean {
  return s.some((p) => typeof p !== "string");
}

/** The plain text of a string without wildcards (wildcards shown as `*` and `?`). */
export function plainText(s: SigmaString): string {
  return s.map((p) => p === MULTI ? "*" : p === SINGLE ? "?" : p).join("");
}

/** Maps every literal part (wildcards kept), re-merging. */
export function mapLiterals(s: SigmaString, f: (lit: string) => string): SigmaString {
  return concat(s.map((p) => typeof p === "string" ? f(p) : p));
}
