import assert from "node:assert/strict";
import { concat, MULTI, parseSigmaString, plainText, SINGLE } from "./sigma_string.ts";
import { matcher } from "./testing.ts";

Deno.test("parseSigmaString() reads * and ? as wildcards", () => {
  assert.deepStrictEqual(parseSigmaString("prog?.exe"), ["prog", SINGLE, ".exe"]);
  assert.deepStrictEqual(parseSigmaString("*/bin/*sh"), [MULTI, "/bin/", MULTI, "sh"]);
  assert.deepStrictEqual(parseSigmaString(""), []);
});

Deno.test("parseSigmaString() keeps a backslash before other characters", () => {
  assert.deepStrictEqual(parseSigmaString("C:\\Windows\\System32"), ["C:\\Windows\\System32"]);
  assert.deepStrictEqual(parseSigmaString("end\\"), ["end\\"]);
});

Deno.test("parseSigmaString() follows the specification's escape table", () => {
  // \\ before a plain character: one backslash (same as a single one)
  assert.deepStrictEqual(parseSigmaString("C:\\\\Windows"), ["C:\\Windows"]);
  // \* and \?: plain wildcard characters
  assert.deepStrictEqual(parseSigmaString("a\\*b\\?"), ["a*b?"]);
  // \\*: a backslash, then the wildcard
  assert.deepStrictEqual(parseSigmaString("a\\\\*"), ["a\\", MULTI]);
  // \\\*: a backslash and a plain star
  assert.deepStrictEqual(parseSigmaString("a\\\\\\*"), ["a\\*"]);
  // three or four backslashes: two
  assert.deepStrictEqual(parseSigmaString("a\\\\\\b"), ["a\\\\b"]);
  assert.deepStrictEqual(parseSigmaString("a\\\\\\\\b"), ["a\\\\b"]);
});

Deno.test("concat() merges literals at the seams", () => {
  assert.deepStrictEqual(concat([MULTI], ["a"], ["b", MULTI]), [MULTI, "ab", MULTI]);
  assert.equal(plainText(concat(["x"], [SINGLE])), "x?");
});

Deno.test("CompiledRule.match() applies wildcards and escapes to event values", () => {
  const m = matcher(`
    selection:
        CommandLine:
            - 'prog?.sh'
            - 'antivirus_V*.bin'
            - 'literal\\*star'
            - 'back\\\\*'
    condition: selection
  `);
  assert.equal(m({ CommandLine: "progA.sh" }), true);
  assert.equal(m({ CommandLine: "prog.sh" }), false, "? needs one character");
  assert.equal(m({ CommandLine: "progAB.sh" }), false);
  assert.equal(m({ CommandLine: "antivirus_V21.2.1.bin" }), true);
  assert.equal(m({ CommandLine: "antivirus_V.bin" }), true, "* matches nothing too");
  assert.equal(m({ CommandLine: "literal*star" }), true);
  assert.equal(m({ CommandLine: "literalXstar" }), false, "an escaped * is plain");
  assert.equal(m({ CommandLine: "back\\anything" }), true, "\\\\* is a backslash then *");
  assert.equal(m({ CommandLine: "backanything" }), false);
});

Deno.test("CompiledRule.match() lets ? match one character of any kind, newlines too", () => {
  const m = matcher(`
    selection:
        CommandLine: 'a?b*c'
    condition: selection
  `);
  assert.equal(m({ CommandLine: "a\nb\nc" }), true);
  assert.equal(m({ CommandLine: "a\u{1F600}bc" }), true, "an astral character is one");
  assert.equal(m({ CommandLine: "a\udc80bxc" }), true, "a raw byte (lone surrogate) is one");
});
