import assert from "node:assert/strict";
import { crc32c, HdfsChecksum } from "./checksum.ts";

Deno.test("crc32c() matches the Castagnoli check value", () => {
  assert.deepStrictEqual(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.deepStrictEqual(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 zero bytes
});

Deno.test("HdfsChecksum is independent of how the bytes are chunked", () => {
  const data = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
  const whole = new HdfsChecksum(1024);
  whole.update(data);
  const bits = new HdfsChecksum(1024);
  for (let i = 0; i < data.length; i += 333) bits.update(data.subarray(i, i + 333));
  assert.deepStrictEqual(bits.digest(), whole.digest());
  assert.deepStrictEqual(whole.length, 5000);
});

Deno.test("HdfsChecksum names crcPerBlock only for files of several blocks", () => {
  const one = new HdfsChecksum(1024);
  one.update(new Uint8Array(1000));
  assert.deepStrictEqual(one.digest().algorithm, "MD5-of-0MD5-of-512CRC32C");
  const three = new HdfsChecksum(1024);
  three.update(new Uint8Array(2500));
  const d = three.digest();
  assert.deepStrictEqual(d.algorithm, "MD5-of-2MD5-of-512CRC32C");
  assert.deepStrictEqual(d.bytes.slice(0, 24), "00000200" + "0000000000000002");
  assert.throws(() => new HdfsChecksum(1000), RangeError);
});

Deno.test("HdfsChecksum of 1000 zero bytes is what HDFS reported for them", () => {
  // GETFILECHECKSUM of a 1000-byte file of zeros on the test HDFS (Hadoop 3.4.1)
  const c = new HdfsChecksum();
  c.update(new Uint8Array(1000));
  assert.deepStrictEqual(
    c.digest().bytes,
    "0000020000000000000000002eb0e92034c69e7be55d23a6b583607d",
  );
});
