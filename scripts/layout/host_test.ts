import assert from "node:assert/strict";
import { hostOfDir, sanitizeHost } from "./host.ts";

Deno.test("sanitizeHost() keeps ordinary names, lower-cased", () => {
  assert.deepStrictEqual(sanitizeHost("Web-01.prod.example.com"), "web-01.prod.example.com");
  assert.deepStrictEqual(sanitizeHost("db_7"), "db_7");
});

Deno.test("sanitizeHost() encodes slashes, dots-only, control bytes, = and %", () => {
  const hostile = ["../../etc", "a/b", "..", ".", "x\ny", "h=1", "50%", "tab\there", "ü", " "];
  for (const h of hostile) {
    const s = sanitizeHost(h);
    assert.deepStrictEqual(/^[a-zA-F0-9._%-]+$/.test(s), true, s);
    assert.deepStrictEqual(s.includes("/"), false);
    assert.deepStrictEqual(s === "." || s === "..", false);
  }
  assert.deepStrictEqual(sanitizeHost("../x"), "..%2Fx");
  assert.deepStrictEqual(sanitizeHost(".."), "%2E%2E");
  assert.deepStrictEqual(sanitizeHost("50%"), "50%25");
  assert.deepStrictEqual(sanitizeHost("ü"), "%C3%BC");
  // Spark decodes the partition value back to the name
  assert.deepStrictEqual(decodeURIComponent(sanitizeHost("a/b=c d")), "a/b=c d");
});

Deno.test("sanitizeHost() rejects empty and overlong names", () => {
  assert.throws(() => sanitizeHost(""), TypeError);
  // 40 characters as given, 240 once encoded (each byte of "ü" is "%C3%BC"): the error says both
  assert.throws(
    () => sanitizeHost("ü".repeat(40)),
    {
      message:
        "Host name is too long: 240 characters encoded, at most 200 (40 characters as given)",
    },
  );
  assert.throws(() => sanitizeHost("\x01".repeat(80)), /too long: 240 characters encoded/);
  // the limit itself is allowed
  assert.equal(sanitizeHost("a".repeat(200)).length, 200);
  assert.throws(() => sanitizeHost("a".repeat(201)), /201 characters encoded, at most 200/);
});

Deno.test("hostOfDir() gives back the name sanitizeHost() encoded, lower-cased", () => {
  for (const h of ["web-01", "a/b=c d", "..", "ü", "50%", "x\ny"]) {
    assert.equal(hostOfDir(sanitizeHost(h)), h.toLowerCase());
  }
});
