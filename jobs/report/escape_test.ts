import assert from "node:assert/strict";
import { bytesToText, textToBytes } from "../../scripts/lib/text_bytes.ts";
import { attr, ESCAPE_SOURCE, escapeHtml, jsonForScript, text, visible } from "./escape.ts";

/** Reads a visible() string back (the test's own decoder: every \x / \u is an escape). */
function unvisible(s: string): string {
  return s.replace(new RegExp(ESCAPE_SOURCE, "g"), (e) => {
    const n = parseInt(e.slice(2), 16);
    return String.fromCharCode(e[1] === "x" && n >= 0x80 ? 0xdc00 + n : n);
  });
}

const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e as string]!,
  );

Deno.test("visible() shows every raw byte U+DC80..U+DCFF as \\xNN", () => {
  for (let b = 0x80; b <= 0xff; b++) {
    const s = bytesToText(Uint8Array.of(0x61, b, 0x62));
    const want = `a\\x${b.toString(16)}b`;
    // 0x80..0xff alone are never valid UTF-8 between ASCII bytes
    assert.deepStrictEqual(visible(s), want);
    assert.deepStrictEqual(textToBytes(unvisible(visible(s))), Uint8Array.of(0x61, b, 0x62));
  }
});

Deno.test("visible() shows C0 controls and DEL as \\xNN (ANSI ESC too)", () => {
  for (const c of [...Array(32).keys(), 0x7f]) {
    assert.deepStrictEqual(
      visible(`<${String.fromCharCode(c)}>`),
      `<\\x${c.toString(16).padStart(2, "0")}>`,
    );
  }
  assert.deepStrictEqual(visible("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  assert.deepStrictEqual(visible("a\tb\nc"), "a\\x09b\\x0ac");
});

Deno.test("visible() shows C1, bidi, zero-width and lone surrogates as \\uNNNN", () => {
  assert.deepStrictEqual(visible("x\u0085y"), "x\\u0085y");
  assert.deepStrictEqual(visible("cat \u202etxt.exe\u202c"), "cat \\u202etxt.exe\\u202c");
  assert.deepStrictEqual(visible("a\u200bb\ufeff"), "a\\u200bb\\ufeff");
  assert.deepStrictEqual(visible("\u2066\u2069\u2028"), "\\u2066\\u2069\\u2028");
  assert.deepStrictEqual(visible("hi\ud800"), "hi\\ud800");
  assert.deepStrictEqual(visible("\udc00\udc7f"), "\\udc00\\udc7f");
});

Deno.test("visible() keeps printable text, non-ASCII letters and astral characters", () => {
  for (
    const s of ["/usr/bin/ls -la", "héllo wörld", "日本語", "emoji \u{1f600} ok", "a\\b C:\\dir"]
  ) {
    assert.deepStrictEqual(visible(s), s);
  }
});

Deno.test("visible() shows a literal backslash before x or u as \\x5c (no fake escapes)", () => {
  assert.deepStrictEqual(visible("printf '\\x1b'"), "printf '\\x5cx1b'");
  assert.deepStrictEqual(visible("\\u202e"), "\\x5cu202e");
  assert.deepStrictEqual(visible("\\\\x"), "\\\\x5cx");
  assert.deepStrictEqual(unvisible(visible("printf '\\x1b' \x1b")), "printf '\\x1b' \x1b");
});

Deno.test("visible() output decodes back to its input (random strings)", () => {
  const alphabet = [
    "a",
    "\\",
    "x",
    "u",
    "1",
    "b",
    "\x1b",
    "\x00",
    "\x7f",
    "\u0085",
    "\u202e",
    "\udc80",
    "\udcff",
    "\ud800",
    "é",
    "\u{1f600}",
    "<",
    "&",
    '"',
  ];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 2000; i++) {
    let s = "";
    for (let n = Math.floor(rnd() * 12); n > 0; n--) {
      s += alphabet[Math.floor(rnd() * alphabet.length)];
    }
    const v = visible(s);
    // deno-lint-ignore no-control-regex
    assert(!/[\x00-\x1f\x7f-\x9f\u202e]/.test(v), JSON.stringify(v));
    // lone surrogates are all escaped: the visible string is well-formed UTF-16
    assert(v.isWellFormed(), JSON.stringify(v));
    assert.deepStrictEqual(unvisible(v), s);
  }
});

const HOSTILE = [
  `<script>alert(1)</script>`,
  `</td></tr><b id="x">`,
  `"'><img src=x onerror=alert(1)>`,
  `a & b &amp; &lt;`,
];

Deno.test("escapeHtml() escapes markup and quotes for text and attribute contexts", () => {
  for (const s of HOSTILE) {
    const e = escapeHtml(s);
    assert(!/[<>"']/.test(e), e);
    assert.deepStrictEqual(unescapeHtml(e), s);
  }
  assert.deepStrictEqual(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test('text() escapes markup and marks escapes with <span class="x">', () => {
  assert.deepStrictEqual(text("<b>\x1b[0m"), '&lt;b&gt;<span class="x">\\x1b</span>[0m');
  const raw = text(bytesToText(Uint8Array.of(0x2f, 0xff)) + "</td>");
  assert.deepStrictEqual(raw, '/<span class="x">\\xff</span>&lt;/td&gt;');
  // only the spans are markup
  for (const s of HOSTILE) assert.deepStrictEqual(text(s), escapeHtml(s));
});

Deno.test("attr() is visible and escaped, safe in double- and single-quoted attributes", () => {
  for (const s of [...HOSTILE, "tab\there \x1b[2J"]) {
    const a = attr(s);
    // deno-lint-ignore no-control-regex
    assert(!/[<>"'\x00-\x1f]/.test(a), a);
    assert.deepStrictEqual(unvisible(unescapeHtml(a)), s);
  }
});

Deno.test("jsonForScript() keeps </script> and <!-- out of a JSON data block and stays JSON", () => {
  const value = {
    a: "</script><script>alert(1)</script>",
    b: "<!-- x --> & \u2028\u2029",
    c: ["\udc80raw", "</SCRIPT >"],
  };
  const j = jsonForScript(value);
  assert(!/[<>&\u2028\u2029]/.test(j), j);
  assert(!/<\/script/i.test(j));
  assert.deepStrictEqual(JSON.parse(j), value);
});
