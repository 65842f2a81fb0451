import assert from "node:assert/strict";
import { formatBytes, parseDuration, parseSize } from "./units.ts";

Deno.test("parseDuration() reads units, a bare number is seconds", () => {
  assert.deepStrictEqual(parseDuration("90"), 90_000);
  assert.deepStrictEqual(parseDuration("500ms"), 500);
  assert.deepStrictEqual(parseDuration("30m"), 1_800_000);
  assert.deepStrictEqual(parseDuration("1.5h"), 5_400_000);
  assert.deepStrictEqual(parseDuration("2d"), 172_800_000);
  assert.throws(() => parseDuration("soon", "--splay"), /--splay must be a duration.*"soon"/);
});

Deno.test("parseSize() reads binary multiples", () => {
  assert.deepStrictEqual(parseSize("100"), 100);
  assert.deepStrictEqual(parseSize("512k"), 524_288);
  assert.deepStrictEqual(parseSize("10M"), 10_485_760);
  assert.deepStrictEqual(parseSize("1GiB"), 1_073_741_824);
  assert.throws(() => parseSize("-1M", "--max-rate"), /--max-rate/);
});

Deno.test("formatBytes() uses decimal units", () => {
  assert.deepStrictEqual(formatBytes(999), "999 B");
  assert.deepStrictEqual(formatBytes(1_234_567), "1.2 MB");
  assert.deepStrictEqual(formatBytes(123_456_789_000), "123 GB");
});
