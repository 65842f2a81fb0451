import assert from "node:assert/strict";
import { readSiteKey } from "./redact_site_key.ts";

const te = new TextEncoder();

/** A root-owned temporary directory, removed after fn. */
function withDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "redact_key_" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function write(path: string, data: string | Uint8Array, mode = 0o600): string {
  Deno.writeFileSync(path, typeof data === "string" ? te.encode(data) : data, { mode });
  Deno.chmodSync(path, mode);
  return path;
}

Deno.test("readSiteKey() decodes a hex key file and keeps a raw one as bytes", () => {
  withDir((dir) => {
    const hex = "00112233445566778899aabbccddeeff" + "0F".repeat(16);
    assert.deepEqual(
      readSiteKey(write(`${dir}/hex`, `  ${hex}\n`)),
      Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)),
    );
    const raw = new Uint8Array(32).map((_, i) => 255 - i);
    assert.deepEqual(readSiteKey(write(`${dir}/raw`, raw, 0o400)), raw);
    // an odd count of hex digits is raw text
    assert.deepEqual(readSiteKey(write(`${dir}/odd`, "a".repeat(33))), te.encode("a".repeat(33)));
  });
});

Deno.test("readSiteKey() refuses symlinks, non-regular files, loose modes, other owners", () => {
  withDir((dir) => {
    const good = write(`${dir}/good`, "k".repeat(32));
    Deno.symlinkSync(good, `${dir}/link`);
    assert.throws(() => readSiteKey(`${dir}/link`), {
      message: `Cannot read site key "${dir}/link": a symlink`,
    });
    Deno.mkdirSync(`${dir}/d`, { mode: 0o700 });
    assert.throws(() => readSiteKey(`${dir}/d`), {
      message: `Cannot read site key "${dir}/d": not a regular file`,
    });
    write(`${dir}/g`, "k".repeat(32), 0o640);
    assert.throws(() => readSiteKey(`${dir}/g`), {
      message:
        `Cannot read site key "${dir}/g": mode 640 lets group or others in (want 600 or 400)`,
    });
    write(`${dir}/o`, "k".repeat(32), 0o604);
    assert.throws(() => readSiteKey(`${dir}/o`), /mode 604 lets group or others in/);
    write(`${dir}/nobody`, "k".repeat(32));
    Deno.chownSync(`${dir}/nobody`, 65534, null);
    assert.throws(() => readSiteKey(`${dir}/nobody`), {
      message: `Cannot read site key "${dir}/nobody": owned by uid 65534, not root`,
    });
    assert.throws(() => readSiteKey(`${dir}/missing`), {
      message: `Cannot read site key "${dir}/missing": no such file`,
    });
    write(`${dir}/short`, "00112233");
    assert.throws(() => readSiteKey(`${dir}/short`), {
      message: `Cannot read site key "${dir}/short": 4 key bytes, want at least 16`,
    });
    write(`${dir}/big`, "k".repeat(5000));
    assert.throws(() => readSiteKey(`${dir}/big`), /larger than 4096 bytes/);
  });
});
