/**
 * The chain's keys and pieces in a real HDFS (scripts/hdfs/): shipKeys()
 * uploads escrow files write-once and deletes them locally only when stored,
 * and the analysis' chain count reads keys and pieces over WebHDFS.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { WebHdfsClient } from "../scripts/webhdfs/client.ts";
import { escrowRecord, writeEscrow } from "../scripts/tamper/escrow.ts";
import { BOOT, threeFiles } from "../scripts/tamper/testing.ts";
import { keysDir } from "../scripts/layout/mod.ts";
import { shipKeys } from "../scripts/shipper/keys.ts";
import { countChains } from "../scripts/analyze/chains.ts";
import { startHdfs, stopHdfs } from "./hdfs_helpers.ts";

Deno.test("shipKeys() uploads escrow files write-once, and the chain count verifies pieces over WebHDFS", async () => {
  const hdfs = await startHdfs("test-tamper");
  const dir = await Deno.makeTempDir({ prefix: "sa-keys-" });
  const client = new WebHdfsClient({ bases: hdfs.webhdfs, user: hdfs.user, backoffMs: 100 });
  const root = `/tamper-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const s = threeFiles();
    const keyDir = `${dir}/keys`;
    const local = writeEscrow(
      keyDir,
      escrowRecord(s.k0, { host: "Web-1", boot: BOOT, nonce: s.nonce }),
    );
    const warnings: string[] = [];
    const r = await shipKeys(client, root, "Web-1", keyDir, { warn: (l) => warnings.push(l) });
    assert.deepEqual(r.shipped, [local.split("/").pop()]);
    assert.deepEqual(r.failed, []);
    const remote = `${keysDir(root, "web-1")}/${s.nonce}.key`;
    const stored = new TextDecoder().decode(await client.readAll(remote));
    assert.equal(JSON.parse(stored).nonce, s.nonce);
    assert.throws(() => Deno.statSync(local), Deno.errors.NotFound, "deleted locally once stored");
    // a rerun with the same file: already there, deleted; other bytes under the name: kept
    writeEscrow(keyDir, escrowRecord(s.k0, { host: "Web-1", boot: BOOT, nonce: s.nonce }));
    assert.deepEqual((await shipKeys(client, root, "Web-1", keyDir)).present, [
      local.split("/").pop(),
    ]);
    const other = escrowRecord(crypto.getRandomValues(new Uint8Array(32)), {
      host: "Web-1",
      boot: BOOT,
      nonce: s.nonce,
    });
    writeEscrow(keyDir, other);
    const c = await shipKeys(client, root, "Web-1", keyDir, { warn: (l) => warnings.push(l) });
    assert.deepEqual(c.conflicts, [local.split("/").pop()]);
    assert.ok(Deno.statSync(local).isFile, "a conflict keeps the local file");
    assert.equal(
      new TextDecoder().decode(await client.readAll(remote)),
      stored,
      "nothing replaced",
    );
    assert.match(warnings.at(-1)!, /holds other bytes; kept locally/);

    // the day's pieces as the shipper lays them out, one gzipped
    const day = "2025-12-01";
    for (let i = 0; i < s.files.length; i++) {
      const bytes = new Uint8Array(s.files[i].reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of s.files[i]) {
        bytes.set(p, o);
        o += p.length;
      }
      const name = `syscall_audit.2025120${i}T000000Z.0.log${i === 1 ? ".gz" : ""}`;
      await client.create(
        `${root}/dt=${day}/host=web-1/${name}`,
        i === 1 ? gzipSync(bytes) : bytes,
      );
    }
    const url = `webhdfs://${hdfs.webhdfs[0].replace(/^http:\/\//, "")}${root}`;
    const n = await countChains(url, day, { user: hdfs.user });
    assert.deepEqual(n.breaks, []);
    assert.deepEqual(n.counters, {
      "chain/verified": 18,
      "chain/broken": 0,
      "chain/unverifiable": 0,
    });
  } finally {
    client.close();
    await Deno.remove(dir, { recursive: true });
    await stopHdfs(hdfs);
  }
});
