import assert from "node:assert/strict";
import { escapeBytes, escapeField, unescapeBytes, unescapeField } from "./field_escape.ts";
import { bytesToText, textToBytes } from "../lib/text_bytes.ts";

const te = new TextEncoder();

/** A small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function randomBytes(r: () => number, max: number): Uint8Array {
  const n = Math.floor(r() * max);
  const b = new Uint8Array(n);
  const mode = r();
  for (let i = 0; i < n; i++) {
    // mix: any byte, mostly-special bytes, UTF-8 text
    if (mode < 0.4) b[i] = Math.floor(r() * 256);
    else if (mode < 0.7) {
      b[i] = [0, 9, 10, 13, 0x5c, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x41][Math.floor(r() * 11)];
    } else b[i] = 0x20 + Math.floor(r() * 95);
  }
  if (mode >= 0.9 && n > 0) return te.encode("é€😀" + bytesToText(b));
  return b;
}

Deno.test("escapeBytes() round-trips random byte strings exactly", () => {
  const r = rng(0x5eed);
  for (let k = 0; k < 20000; k++) {
    const raw = randomBytes(r, 64);
    const field = escapeBytes(raw);
    assert.ok(!/[\t\n\r]/.test(field), `field has a separator: ${JSON.stringify(field)}`);
    assert.deepEqual(unescapeBytes(te.encode(field)), raw);
    // the string API agrees with the byte API
    assert.equal(escapeField(bytesToText(raw)), field);
    assert.deepEqual(textToBytes(unescapeField(field)), raw);
  }
});

Deno.test("escapeBytes() output is always valid UTF-8", () => {
  const r = rng(42);
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let k = 0; k < 5000; k++) {
    const field = escapeBytes(randomBytes(r, 40));
    strict.decode(te.encode(field)); // throws if not
  }
});

Deno.test("escapeBytes() writes each escape as documented", () => {
  const cases: [number[], string][] = [
    [[0x09], "\\t"],
    [[0x0a], "\\n"],
    [[0x0d], "\\r"],
    [[0x5c], "\\\\"],
    [[0x00], "\\x00"],
    [[0x1b], "\\x1b"],
    [[0x7f], "\\x7f"],
    [[0xff], "\\xff"],
    [[0xc3], "\\xc3"], // a lead byte without its continuation
    [[0xc3, 0xa9], "é"],
    [[0xed, 0xa0, 0x80], "\\xed\\xa0\\x80"], // an encoded surrogate is invalid UTF-8
    [[0xf0, 0x9f, 0x98, 0x80], "😀"],
    [[0x22, 0x27, 0x20, 0x3c], "\"' <"],
    [[], ""],
  ];
  for (const [bytes, want] of cases) {
    assert.equal(escapeBytes(new Uint8Array(bytes)), want, JSON.stringify(bytes));
    assert.deepEqual([...unescapeBytes(te.encode(want))], bytes);
  }
});

Deno.test("unescapeBytes() rejects a lone backslash and unknown escapes", () => {
  assert.throws(() => unescapeBytes(te.encode("abc\\")), /lone backslash/);
  assert.throws(() => unescapeBytes(te.encode("\\q")), /Invalid escape/);
  assert.throws(() => unescapeBytes(te.encode("\\x4")), /Invalid escape/);
  assert.deepEqual([...unescapeBytes(te.encode("\\x4A"))], [0x4a]);
});

Deno.test("bytesToText() maps invalid bytes to lone surrogates and back", () => {
  const raw = new Uint8Array([0x61, 0xff, 0xc3, 0xa9, 0x80]);
  const s = bytesToText(raw);
  assert.equal(s, "a\udcffé\udc80");
  assert.deepEqual(textToBytes(s), raw);
  assert.equal(JSON.stringify(s), '"a\\udcffé\\udc80"');
});
