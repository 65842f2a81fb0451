import assert from "node:assert/strict";
import { pieceName, stampOf } from "./ship_file.ts";

const enc = new TextEncoder();

Deno.test("stampOf() names a file by its first record's time, to the nanosecond", () => {
  assert.equal(
    stampOf(enc.encode("E1\t1795849501123456789\tboot\t"), 0),
    "20261128T070501.123456789Z",
  );
  assert.equal(
    stampOf(enc.encode("S1\t1795849501000000001\tboot"), 0),
    "20261128T070501.000000001Z",
  );
  // the seed prototype's lines start with seconds
  assert.equal(stampOf(enc.encode("1795849501\t12\t1\tls"), 0), "20261128T070501.000000000Z");
  // no readable time: the fallback (the file's mtime, ms)
  assert.equal(stampOf(enc.encode("garbage"), 1795849501234), "20261128T070501.234000000Z");
  assert.equal(stampOf(undefined, 1795849501234), "20261128T070501.234000000Z");
  assert.equal(
    pieceName("syscall_audit", "20261128T070501.234000000Z", 2),
    "syscall_audit.20261128T070501.234000000Z.2.log.gz",
  );
});
