import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { keyId } from "./chain.ts";
import {
  escrowRecord,
  loadKeys,
  newRunKey,
  openEscrow,
  readChainState,
  writeChainState,
  writeEscrow,
} from "./escrow.ts";

const BOOT = "0123456789abcdef0123456789abcdef";
const pair = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });

Deno.test("escrowRecord() seals K0 with standard RSA-OAEP-SHA256 (openssl opens it)", async () => {
  const { publicKey, privateKey } = pair();
  const { k0, nonce } = newRunKey();
  const rec = escrowRecord(k0, { host: "h", boot: BOOT, nonce, publicKeyPem: publicKey });
  assert.equal(rec.alg, "RSA-OAEP-SHA256");
  assert.equal(rec.key_id, keyId(k0));
  assert.deepEqual(openEscrow(rec, privateKey), k0);
  assert.throws(() => openEscrow(rec), /is sealed: --private-key is needed/);
  assert.throws(() => openEscrow(rec, pair().privateKey), /does not open with this private key/);
  assert.throws(() => openEscrow({ ...rec, key_id: "0".repeat(16) }, privateKey), /key_id/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k.pem`, privateKey);
    await Deno.writeFile(
      `${dir}/sealed`,
      Uint8Array.from(atob(rec.sealed), (c) => c.charCodeAt(0)),
    );
    const o = await new Deno.Command("openssl", {
      args: [
        "pkeyutl",
        "-decrypt",
        "-inkey",
        `${dir}/k.pem`,
        "-in",
        `${dir}/sealed`,
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
      ],
    }).output();
    assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
    assert.deepEqual(new Uint8Array(o.stdout), k0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeEscrow() makes a 0700 directory and a 0600 file, never through a symlink", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { k0, nonce } = newRunKey();
    const rec = escrowRecord(k0, { host: "h", boot: BOOT, nonce });
    const p = writeEscrow(`${dir}/keys`, rec);
    assert.equal(p, `${dir}/keys/${BOOT}-${nonce}.key`);
    assert.equal(Deno.statSync(`${dir}/keys`).mode! & 0o777, 0o700);
    assert.equal(Deno.statSync(p).mode! & 0o777, 0o600);
    assert.throws(() => writeEscrow(`${dir}/keys`, rec), Deno.errors.AlreadyExists);
    // a planted symlink in place of the file or of the directory
    const other = newRunKey();
    Deno.symlinkSync(`${dir}/target`, `${dir}/keys/${BOOT}-${other.nonce}.key`);
    assert.throws(
      () =>
        writeEscrow(
          `${dir}/keys`,
          escrowRecord(other.k0, { host: "h", boot: BOOT, nonce: other.nonce }),
        ),
      Deno.errors.AlreadyExists,
    );
    assert.throws(() => Deno.lstatSync(`${dir}/target`), Deno.errors.NotFound);
    Deno.symlinkSync(`${dir}/keys`, `${dir}/link`);
    assert.throws(() => writeEscrow(`${dir}/link`, rec), /not a directory \(a symlink\?\)/);
    // clear keys load back by nonce; the broken symlink is no key
    const ring = loadKeys([`${dir}/keys`]);
    assert.deepEqual(ring.keys.get(nonce), k0);
    assert.equal(ring.keys.size, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeChainState() replaces the state atomically and a planted symlink, not its target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chain.state`;
    assert.equal(readChainState(path), null);
    const s = { nonce: "a".repeat(32), seg: 3, chain: "b".repeat(64) };
    assert.ok(writeChainState(path, s));
    assert.deepEqual(readChainState(path), s);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    await Deno.writeTextFile(`${dir}/victim`, "keep");
    Deno.removeSync(path);
    Deno.symlinkSync(`${dir}/victim`, path);
    assert.equal(readChainState(path), null, "a symlink is not read");
    Deno.symlinkSync(`${dir}/victim`, `${path}.tmp`);
    assert.ok(writeChainState(path, { ...s, seg: 4 }));
    assert.equal(await Deno.readTextFile(`${dir}/victim`), "keep");
    assert.equal(readChainState(path)!.seg, 4);
    assert.ok(!Deno.lstatSync(path).isSymlink);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
