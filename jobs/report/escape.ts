/**
 * Escaping of every string that reaches the report: host strings are
 * untrusted (argv, paths, user names, host names, rule texts).
 *
 * Two steps, always both:
 * - {@link visible}: characters a reader could not see or that could fool
 *   them become escapes: raw bytes of invalid UTF-8 (U+DC80..U+DCFF,
 *   text_bytes.ts) and C0 controls and DEL as `\xNN` (ESC = `\x1b`), C1
 *   controls, bidi overrides, zero-width and other format characters, line
 *   separators and lone surrogates as `\uNNNN`. A literal backslash before
 *   `x` or `u` is shown as `\x5c`, so every `\x`/`\u` on the page is an
 *   escape ({@link ESCAPE_SOURCE} finds them).
 * - {@link escapeHtml}: `& < > " '` as entities, safe in HTML text and in
 *   double- or single-quoted attribute values (also in inline SVG).
 *
 * Data for the page's script goes through {@link jsonForScript}: JSON whose
 * `<`, `>`, `&`, U+2028 and U+2029 are `\uNNNN`, so no `</script>` or `<!--`
 * can end or alter the `<script type="application/json">` block.
 *
 * @module
 */

/** A regular expression source matching one escape written by {@link visible}. */
export const ESCAPE_SOURCE = "\\\\x[0-9a-f]{2}|\\\\u[0-9a-f]{4}";

// what visible() must look at (fast path: none of these -> the string itself)
const NEEDS =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff\\]/;
// format / invisible characters shown as \uNNNN (bidi controls first of all: "Trojan source")
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** `s` with raw bytes, controls and invisible characters as `\xNN` / `\uNNNN` escapes. */
export function visible(s: string): string {
  if (!NEEDS.test(s)) return s;
  let out = "";
  let run = 0; // start of the pending run of plain characters
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++; // a valid pair: an astral character, kept
        continue;
      }
      esc = "\\u" + hex(c, 4);
    } else if (c >= 0xdc80 && c <= 0xdcff) esc = "\\x" + hex(c - 0xdc00, 2);
    else if (c >= 0xdc00 && c <= 0xdfff) esc = "\\u" + hex(c, 4);
    else if (c < 0x20 || c === 0x7f) esc = "\\x" + hex(c, 2);
    else if (c >= 0x80 && c <= 0x9f) esc = "\\u" + hex(c, 4);
    else if (c === 0x5c) {
      const n = s[i + 1];
      if (n === "x" || n === "u") esc = "\\x5c";
    } else if (INVISIBLE.test(s[i])) esc = "\\u" + hex(c, 4);
    if (esc !== null) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return out + s.slice(run);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** `s` safe in HTML text and quoted attribute values (no {@link visible} step: see {@link text}). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A host string as HTML text: visible, escaped, escapes marked `<span class="x">`. */
export function text(s: string): string {
  const v = visible(s);
  if (!v.includes("\\")) return escapeHtml(v);
  return escapeHtml(v).replace(
    new RegExp(ESCAPE_SOURCE, "g"),
    (e) => `<span class="x">${e}</span>`,
  );
}

/** A host string as a (quoted) attribute value or SVG text: visible and escaped. */
export function attr(s: string): string {
  return escapeHtml(visible(s));
}

/** JSON of `value` safe inside `<script type="application/json">` (and still JSON). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => "\\u" + hex(c.charCodeAt(0), 4),
  );
}
