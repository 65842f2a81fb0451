/**
 * The WebHDFS client and the shipper against a real HA pair of NameNodes
 * serving HTTPS only (MiniDFSCluster --ha --https): failover on
 * StandbyException and on connection errors, TLS with a custom CA.
 */

import assert from "node:assert/strict";
import { synthLog } from "./support/synth_log.ts";
import { HdfsUnavailableError } from "../scripts/webhdfs/errors.ts";
import { parseWebHdfsUrl } from "../scripts/webhdfs/url.ts";
import {
  assertExactlyOnce,
  control,
  type HdfsState,
  names,
  ship,
  startHdfs,
  stopHdfs,
  superClient,
  writeAged,
} from "./hdfs_helpers.ts";

const enc = new TextEncoder();

Deno.test("WebHDFS over TLS against a real HA pair", async (t) => {
  const hdfs: HdfsState = await startHdfs("test-ha-tls", ["--ha", "--https"]);
  const tmp = await Deno.makeTempDir({ prefix: "ha-tls-test-" });
  const { bases } = parseWebHdfsUrl(hdfs.url);
  assert.equal(bases.length, 2);
  assert.ok(bases.every((b) => b.startsWith("https://")));
  const [nn0, nn1] = bases; // nn0 starts active, nn1 standby
  try {
    await t.step(
      "a client that asks the standby first fails over to the active NameNode",
      async () => {
        const client = superClient(hdfs, { bases: [nn1, nn0] });
        try {
          assert.ok(await client.mkdirs("/ha"));
          assert.equal(client.activeBase, nn0);
          await client.create("/ha/a.txt", enc.encode("one\n"));
          assert.deepStrictEqual(await client.readAll("/ha/a.txt"), enc.encode("one\n"));
          // the cluster fails over: nn1 active, nn0 standby
          await control(hdfs, "/namenode/1/active");
          await client.create("/ha/b.txt", enc.encode("two\n"));
          assert.equal(client.activeBase, nn1);
          assert.deepStrictEqual(await client.readAll("/ha/b.txt"), enc.encode("two\n"));
          // the active one dies: the standby alone is no use, and the error says so
          await control(hdfs, "/namenode/1/stop");
          await assert.rejects(client.getFileStatus("/ha/a.txt"), (e: Error) => {
            assert.ok(e instanceof HdfsUnavailableError, String(e));
            assert.match(
              e.message,
              /no active namenode .*standby.*connection refused|connection refused.*standby/,
            );
            return true;
          });
          await control(hdfs, "/namenode/0/active");
          assert.equal((await client.getFileStatus("/ha/b.txt"))!.length, 4);
          assert.equal(client.activeBase, nn0);
          await control(hdfs, "/namenode/1/start");
        } finally {
          client.close();
        }
      },
    );

    await t.step(
      "the shipper ships through HA and TLS with its CA; without the CA it refuses",
      async () => {
        const from = `${tmp}/from`;
        const a = synthLog({
          startNs: String(BigInt(Date.parse("2026-11-26T23:50:00Z")) * 1_000_000n),
          count: 2000,
          meanGapMs: 600,
        });
        await writeAged(from, { "syscall_audit.log.1": a });
        // the standby first in the URL
        const url = `swebhdfs://${new URL(nn1).host},${new URL(nn0).host}/secure`;
        const args = [
          "--from",
          from,
          "--to",
          url,
          "--state-dir",
          `${tmp}/state`,
          "--host",
          "tls-host",
          "--min-age",
          "0",
          "--user",
          hdfs.user,
          "--backoff",
          "100ms",
          "--attempts",
          "1",
        ];
        const noCa = await ship(args);
        assert.equal(noCa.code, 75, noCa.stderr);
        assert.match(noCa.stderr, /TLS error|certificate/i);
        assert.deepStrictEqual(await names(from), ["syscall_audit.log.1"]);
        const r = await ship([...args, "--ca-file", hdfs.ca!]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepStrictEqual(await names(from), []);
        const client = superClient(hdfs);
        try {
          await assertExactlyOnce(client, "/secure", "tls-host", [a]);
        } finally {
          client.close();
        }
      },
    );
  } finally {
    await stopHdfs(hdfs);
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
