import assert from "node:assert/strict";
import { inCidr, parseCidr, parseIp } from "./cidr.ts";

Deno.test("parseIp() reads IPv4 and IPv6 (compressed, embedded IPv4, zone)", () => {
  assert.deepStrictEqual([...parseIp("10.1.2.3")!], [10, 1, 2, 3]);
  assert.deepStrictEqual([...parseIp("::1")!], [...new Array(15).fill(0), 1]);
  assert.deepStrictEqual([...parseIp("::ffff:1.2.3.4")!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.deepStrictEqual([...parseIp("fe80::1%eth0")!].slice(0, 2), [0xfe, 0x80]);
  for (const bad of ["1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "12345::", "x", ""]) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("inCidr() tests the network's prefix bits only", () => {
  const net = parseCidr("172.16.0.0/12")!;
  assert.equal(inCidr(parseIp("172.31.255.255")!, net), true);
  assert.equal(inCidr(parseIp("172.32.0.0")!, net), false);
  assert.equal(inCidr(parseIp("::ffff:172.16.0.1")!, net), false, "versions differ");
  assert.equal(inCidr(parseIp("1.2.3.4")!, parseCidr("0.0.0.0/0")!), true);
  assert.equal(inCidr(parseIp("2001:db8::5")!, parseCidr("2001:db8::/33")!), true);
  assert.equal(inCidr(parseIp("2001:db8:8000::5")!, parseCidr("2001:db8::/33")!), false);
  assert.equal(inCidr(parseIp("10.0.0.1")!, parseCidr("10.0.0.1/8")!), true, "host bits cleared");
  assert.equal(parseCidr("10.0.0.0/33"), null);
  assert.equal(parseCidr("10.0.0.0/x"), null);
});
