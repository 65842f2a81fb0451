import assert from "node:assert/strict";
import {
  conflictName,
  dayDir,
  hostDayDir,
  isHidden,
  keyFileName,
  keysDir,
  keysRoot,
  parseLayoutPath,
  pieceName,
  stagingDir,
  stampOf,
} from "./paths.ts";
import { sanitizeHost } from "./host.ts";

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

Deno.test("parseLayoutPath() reads back the paths the layout's builders make", () => {
  const root = "/audit/raw/";
  const host = sanitizeHost("Web 1/a");
  const name = pieceName("syscall_audit", "20261128T070501.234000000Z", 12);
  const rel = (p: string) => p.slice(root.length);
  assert.deepEqual(parseLayoutPath(rel(`${hostDayDir(root, "2026-11-28", host)}/${name}`)), {
    day: "2026-11-28",
    host: "web 1/a",
    hostDir: "web%201%2Fa",
    file: name,
    stem: "syscall_audit",
    stamp: "20261128T070501.234000000Z",
    piece: 12,
  });
  const sha = "0123456789abcdef".repeat(4);
  const copy = conflictName(name, sha);
  assert.equal(
    copy,
    "syscall_audit.20261128T070501.234000000Z.12.conflict-0123456789abcdef.log.gz",
  );
  const c = parseLayoutPath(`dt=2026-11-28/host=${host}/${copy}`);
  assert.equal(c?.conflict, "0123456789abcdef");
  assert.equal(c?.piece, 12);
  assert.equal(c?.stem, "syscall_audit");
});

Deno.test("parseLayoutPath() refuses hidden, staging, key and foreign paths", () => {
  const name = pieceName("syscall_audit", "20261128T070501.234000000Z", 0);
  for (
    const p of [
      `${keysRoot("")}/host=web-1/${keyFileName("ab")}`.slice(1),
      `_staging/host=web-1/${name}`,
      `dt=2026-11-28/host=web-1/.${name}`,
      `dt=2026-11-28/host=web-1/_${name}`,
      `dt=2026-11-28/host=web-1/${name}.tmp`,
      `dt=2026-11-28/host=web-1/syscall_audit.log`,
      `dt=2026-11-28/host=web-1/syscall_audit.20261128T070501Z.0.log.gz`,
      `dt=2026-11-28/host=web-1/${name.replace(".0.", ".01.")}`,
      `dt=2026-11-28/host=Web-1/${name}`,
      `dt=2026-11-28/host=web%zz/${name}`,
      `dt=2026-11-28/web-1/${name}`,
      `dt=20261128/host=web-1/${name}`,
      `x/dt=2026-11-28/host=web-1/${name}`,
      `dt=2026-11-28/host=web-1`,
    ]
  ) {
    assert.equal(parseLayoutPath(p), null, p);
  }
  assert.equal(isHidden("_keys"), true);
  assert.equal(isHidden(".part"), true);
  assert.equal(isHidden("dt=2026-11-28"), false);
});

Deno.test("layout builders place keys and staging under the root, one slash apart", () => {
  assert.equal(keysDir("/audit/raw//", "web-1"), "/audit/raw/_keys/host=web-1");
  assert.equal(stagingDir("/audit/raw", "web-1"), "/audit/raw/_staging/host=web-1");
  assert.equal(stagingDir("/", "web-1"), "/_staging/host=web-1");
  assert.equal(dayDir("/r", "2026-11-28"), "/r/dt=2026-11-28");
});
