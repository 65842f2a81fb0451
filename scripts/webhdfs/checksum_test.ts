import assert from "node:assert/strict";
import { crc32c, HdfsChecksum } from "./checksum.ts";

Deno.test("crc32c() matches the Castagnoli check value", () => {
  assert.deepStrictEqual(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.deepStrictEqual(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 zero bytes
});

Deno.test("HdfsChecksum is independent of how the bytes are chunked", () => {
  const data = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
  const whole = new HdfsChecksum();
  whole.update(data);
  const bits = new HdfsChecksum();
  for (let i = 0; i < data.length; i += 333) bits.update(data.subarray(i, i + 333));
  assert.deepStrictEqual(bits.digest(1024), whole.digest(1024));
  assert.deepStrictEqual(whole.length, 5000);
});

Deno.test("HdfsChecksum names crcPerBlock only for files of several blocks", () => {
  const one = new HdfsChecksum();
  one.update(new Uint8Array(1000));
  assert.deepStrictEqual(one.digest(1024).algorithm, "MD5-of-0MD5-of-512CRC32C");
  const three = new HdfsChecksum();
  three.update(new Uint8Array(2500));
  const d = three.digest(1024);
  assert.deepStrictEqual(d.algorithm, "MD5-of-2MD5-of-512CRC32C");
  assert.deepStrictEqual(d.bytes.slice(0, 24), "00000200" + "0000000000000002");
  assert.throws(() => new HdfsChecksum().digest(1000), RangeError);
});
