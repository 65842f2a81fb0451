import assert from "node:assert/strict";
import { base64, base64Input, base64Offsets, utf16Text } from "./encode.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("base64() agrees with btoa", () => {
  for (const s of ["", "a", "ab", "abc", "abcd", "/bin/sh -i", "\x00\xff\x7f"]) {
    const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
    assert.equal(base64(b), btoa(s));
  }
});

Deno.test("base64Offsets() gives substrings of the encoding at every alignment", () => {
  const v = "sh -c id";
  const offs = base64Offsets(bytes(v));
  assert.equal(offs.length, 3);
  for (let pre = 0; pre < 6; pre++) {
    const enc = btoa("x".repeat(pre) + v + "tail");
    assert.ok(offs.some((o) => enc.includes(o)), `prefix ${pre}`);
  }
  assert.ok(offs.every((o) => o.length >= 8));
});

Deno.test("base64Input() writes the utf16 byte order mark as FF FE", () => {
  assert.deepStrictEqual([...base64Input("\uFEFFa\0", true)], [0xff, 0xfe, 0x61, 0]);
  assert.deepStrictEqual([...base64Input("\uFEFFa", false)], [0xef, 0xbb, 0xbf, 0x61]);
});

Deno.test("utf16Text() spells UTF-16 bytes as characters, ASCII-range bytes only", () => {
  assert.equal(utf16Text("cmd", "le"), "c\0m\0d\0");
  assert.equal(utf16Text("cmd", "be"), "\0c\0m\0d");
  assert.equal(utf16Text("\u0100", "le"), "\0\x01");
  assert.equal(utf16Text("é", "le"), null);
});
