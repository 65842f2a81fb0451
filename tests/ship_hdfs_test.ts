/**
 * The shipper and the WebHDFS client against a real HDFS (MiniDFSCluster:
 * NameNode + 2 DataNodes in one JVM), with real faults injected.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { synthLog } from "./support/synth_log.ts";
import { escrowRecord, writeEscrow } from "../scripts/tamper/escrow.ts";
import { BOOT, threeFiles } from "../scripts/tamper/testing.ts";
import {
  assertExactlyOnce,
  control,
  hadoopCat,
  type HdfsState,
  linesOf,
  names,
  ship,
  shipCommand,
  shippedFiles,
  startHdfs,
  stopHdfs,
  superClient,
  tree,
  writeAged,
} from "./hdfs_helpers.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ns = (iso: string) => String(BigInt(Date.parse(iso)) * 1_000_000n);
/** a day's log that ends after midnight, as a daily rotation leaves it */
const spanning = (seed: number, count = 3000) =>
  synthLog({ startNs: ns("2026-11-26T23:40:00Z"), count, meanGapMs: 600, seed });
const oneDay = (seed: number, count = 500) =>
  synthLog({ startNs: ns("2026-11-25T10:00:00Z"), count, seed });
/** hard-to-compress lines, for uploads that take a while */
function bulky(seed: number, mb: number): Uint8Array {
  const lines: string[] = [];
  let t = BigInt(ns("2026-11-24T08:00:00Z"));
  const rnd = new Uint8Array(96);
  for (let i = 0; i < (mb * 1024 * 1024) / 240; i++) {
    crypto.getRandomValues(rnd);
    t += 1_000_000n;
    const hex = [...rnd].map((x) => x.toString(16).padStart(2, "0")).join("");
    lines.push(`E1\t${t}\tboot${seed}\t${hex}\t.\n`);
  }
  return new TextEncoder().encode(lines.join(""));
}

Deno.test("ship against a real HDFS", async (t) => {
  const hdfs: HdfsState = await startHdfs("test-ship", ["--httpfs"]);
  const client = superClient(hdfs);
  const tmp = await Deno.makeTempDir({ prefix: "ship-test-" });
  let n = 0;
  /** a fresh source dir, state dir and host per case */
  const fresh = () => {
    n++;
    return { from: `${tmp}/from${n}`, state: `${tmp}/state${n}`, host: `host-${n}` };
  };
  const base = (c: { from: string; state: string; host: string }, root = "/audit/raw") => [
    "--from",
    c.from,
    "--to",
    `${hdfs.url}${root}`,
    "--state-dir",
    c.state,
    "--host",
    c.host,
    "--min-age",
    "0",
    "--user",
    hdfs.user,
    "--backoff",
    "200ms",
  ];
  try {
    await t.step(
      "ships closed files once, split at UTC midnight, deletes them, keeps the live log",
      async () => {
        const c = fresh();
        const a = spanning(1);
        const b = oneDay(2);
        const live = oneDay(3, 20);
        await writeAged(c.from, {
          "syscall_audit.log": live,
          "syscall_audit.log.1": a,
          "syscall_audit.log.2.gz": gzipSync(b),
        });
        const r = await ship(base(c));
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stdout,
          /^ship: host=host-1 shipped 2 files \(3 pieces, .*0 failed, 2 deleted/,
        );
        assert.equal(r.stdout.trim().split("\n").length, 1, "one summary line");
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log"]);
        assert.deepStrictEqual(await Deno.readFile(`${c.from}/syscall_audit.log`), live);
        const files = await assertExactlyOnce(client, "/audit/raw", c.host, [a, b]);
        const paths = [...files.keys()].sort();
        assert.deepStrictEqual(paths.map((p) => p.replace(/\/[^/]+$/, "")), [
          "/audit/raw/dt=2026-11-25/host=host-1",
          "/audit/raw/dt=2026-11-26/host=host-1",
          "/audit/raw/dt=2026-11-27/host=host-1",
        ]);
        // the pieces of a file, in order, are the file byte for byte
        const ofA = paths.filter((p) => p.includes("20261126T2340"));
        assert.deepStrictEqual(ofA.map((p) => p.replace(/.*\.(\d)\.log\.gz$/, "$1")), ["0", "1"]);
        const joined = new Uint8Array([...files.get(ofA[0])!, ...files.get(ofA[1])!]);
        assert.equal(sha(joined), sha(a));
        const [ofB] = paths.filter((p) => p.includes("dt=2026-11-25"));
        assert.equal(sha(files.get(ofB)!), sha(b));
        // Hadoop's own client (RPC, not WebHDFS) reads the same stored bytes
        for (const p of paths) {
          assert.equal(sha(await hadoopCat(hdfs, p)), sha(await client.readAll(p)), p);
        }
        // labelled: SHA-256 of the stored bytes and of the content
        const x = await client.getXAttrs(ofB);
        assert.equal(x["user.sha256"], sha(await client.readAll(ofB)));
        assert.equal(x["user.raw_sha256"], sha(b));
        const label = JSON.parse(x["user.syscall_audit"]);
        assert.equal(label.source, "syscall_audit.log.2.gz");
        assert.equal(label.piece, 0);
        assert.equal(label.raw_offset, 0);
        assert.equal(label.lines, linesOf(b).length);
        // the hash chain's verdict is recorded (these synthetic lines have no chain records)
        assert.match(label.chain, /^unverifiable: /);
        const [second] = ofA.slice(1);
        const label1 = JSON.parse((await client.getXAttrs(second))["user.syscall_audit"]);
        assert.equal(label1.piece, 1);
        assert.equal(label1.raw_offset, files.get(ofA[0])!.length);
        assert.match(label1.chain, /^unverifiable: /);
        assert.equal((await client.getFileStatus(ofB))!.permission, "640");
        // the journal records both files
        const journal = (await Deno.readTextFile(`${c.state}/shipped.jsonl`)).trim().split("\n");
        // proven by HDFS's own block checksums, without reading back
        assert.deepStrictEqual(
          journal.flatMap((l) => JSON.parse(l).pieces.map((p: { verified: string }) => p.verified)),
          ["checksum", "checksum", "checksum"],
        );
        assert.deepStrictEqual(journal.map((l) => JSON.parse(l).source).sort(), [
          "syscall_audit.log.1",
          "syscall_audit.log.2.gz",
        ]);
        // a second run has nothing to do and does not touch HDFS
        const before = await tree(client, "/audit/raw");
        const again = await ship(base(c));
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /shipped 0 files/);
        assert.deepStrictEqual(await tree(client, "/audit/raw"), before);
      },
    );

    await t.step(
      "through a real HttpFS gateway, in one step (--gateway) or following its redirect",
      async () => {
        const c = fresh();
        const a = spanning(20);
        const b = oneDay(21);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const gw = base(c).map((v) => v.startsWith("webhdfs://") ? `${hdfs.httpfs}/via-httpfs` : v);
        const one = await ship([...gw, "--gateway"]);
        assert.equal(one.code, 0, one.stderr);
        await writeAged(c.from, { "syscall_audit.log.2": b });
        const two = await ship(gw);
        assert.equal(two.code, 0, two.stderr);
        assert.deepStrictEqual(await names(c.from), []);
        // read back through the NameNode's WebHDFS and Hadoop's RPC client
        const files = await assertExactlyOnce(client, "/via-httpfs", c.host, [a, b]);
        for (const p of files.keys()) {
          assert.equal(sha(await hadoopCat(hdfs, p)), sha(await client.readAll(p)), p);
        }
      },
    );

    await t.step(
      "chained logs: verdict ok while the run's key is escrowed here, broken when edited; the key goes write-once to _keys",
      async () => {
        const c = fresh();
        const sim = threeFiles();
        const keyDir = `${c.state}/keys`;
        writeEscrow(keyDir, escrowRecord(sim.k0, { host: c.host, boot: BOOT, nonce: sim.nonce }));
        const keyBytes = await Deno.readFile(`${keyDir}/${BOOT}-${sim.nonce}.key`);
        const staging = await Deno.makeTempDir({ dir: tmp });
        const [f0, f1] = await sim.save(staging);
        const edited = (await Deno.readTextFile(f1)).split("\n");
        edited[100] = edited[100].replace("line", "linE");
        await writeAged(c.from, {
          "syscall_audit.log.2": await Deno.readFile(f0),
          "syscall_audit.log.1": new TextEncoder().encode(edited.join("\n")),
        });
        const r = await ship(base(c));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /, 1 keys escrowed,/);
        const labels = new Map<string, string>();
        for (const p of (await tree(client, "/audit/raw")).keys()) {
          if (!p.includes(`host=${c.host}/`) || p.includes("/_keys/")) continue;
          const l = JSON.parse((await client.getXAttrs(p))["user.syscall_audit"]);
          labels.set(l.source, l.chain);
        }
        assert.equal(labels.get("syscall_audit.log.2"), "ok");
        assert.match(labels.get("syscall_audit.log.1")!, /^broken: line \d+: edited: /);
        // the key: stored once, the same bytes, and no longer on the host
        const stored = `/audit/raw/_keys/host=${c.host}/${sim.nonce}.key`;
        assert.deepStrictEqual(await client.readAll(stored), keyBytes);
        assert.deepStrictEqual(await names(keyDir), []);
        const again = await ship(base(c));
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /, 0 keys escrowed,/);
      },
    );

    await t.step("a piece of several HDFS blocks is proven by the block checksums", async () => {
      const c = fresh();
      const a = bulky(22, 4);
      await writeAged(c.from, { "syscall_audit.log.1": a });
      const r = await ship([...base(c), "--block-size", "1M"]);
      assert.equal(r.code, 0, r.stderr);
      const [entry] = (await Deno.readTextFile(`${c.state}/shipped.jsonl`)).trim().split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(entry.pieces.length, 1);
      assert.equal(entry.pieces[0].verified, "checksum");
      const path = entry.pieces[0].path;
      const st = (await client.getFileStatus(path))!;
      assert.equal(st.blockSize, 1024 * 1024);
      assert.ok(st.length > 2 * st.blockSize, `${st.length} bytes: several blocks`);
      assert.match((await client.getFileChecksum(path)).algorithm, /^MD5-of-2048MD5-of-512CRC32C$/);
      await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
    });

    await t.step(
      "a rerun without its journal finds the pieces in place and duplicates nothing",
      async () => {
        const c = fresh();
        const a = spanning(4);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        assert.equal((await ship(base(c))).code, 0);
        const before = await tree(client, "/audit/raw");
        // the host was re-imaged: same file again (compressed this time), journal gone
        await Deno.remove(c.state, { recursive: true });
        await writeAged(c.from, { "syscall_audit.log.2.gz": gzipSync(a) });
        const r = await ship(base(c));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /shipped 1 files \(2 pieces, 2 of them already in HDFS/);
        assert.deepStrictEqual(await tree(client, "/audit/raw"), before);
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
        assert.deepStrictEqual(await names(c.from), []);
      },
    );

    await t.step(
      "a name holding other bytes is never overwritten: shipped under a new name, exit 76",
      async () => {
        const c = fresh();
        const a = oneDay(5);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const dry = await ship([...base(c), "--dry-run"]);
        assert.equal(dry.code, 0, dry.stderr);
        const target = /-> (\S+)$/m.exec(dry.stdout)![1];
        assert.match(
          target,
          new RegExp(
            `^/audit/raw/dt=2026-11-25/host=${c.host}/syscall_audit\\.20261125T100000\\.0+Z\\.0\\.log\\.gz$`,
          ),
        );
        assert.deepStrictEqual(
          await names(c.from),
          ["syscall_audit.log.1"],
          "dry run deletes nothing",
        );
        const squatter = gzipSync(new TextEncoder().encode("not the same\n"));
        await client.mkdirs(target.replace(/\/[^/]+$/, ""));
        await client.create(target, squatter);
        const r = await ship(base(c));
        assert.equal(r.code, 76, r.stderr);
        assert.match(
          r.stderr,
          /conflict: ".*" already holds other bytes; .* shipped as ".*\.conflict-[0-9a-f]{16}\.log\.gz"/,
        );
        assert.match(r.stdout, /1 conflicts/);
        assert.equal(sha(await client.readAll(target)), sha(squatter));
        const files = await shippedFiles(client, "/audit/raw", c.host);
        const conflict = [...files.keys()].find((p) => p.includes(".conflict-"))!;
        assert.equal(sha(files.get(conflict)!), sha(a));
      },
    );

    await t.step(
      "corrupt and truncated gzip files are quarantined; the rest ships (exit 65)",
      async () => {
        const c = fresh();
        const good = oneDay(6);
        const gz = gzipSync(oneDay(7));
        const badCrc = gz.slice();
        badCrc[badCrc.length - 6] ^= 0xff;
        await writeAged(c.from, {
          "syscall_audit.log.1": good,
          "syscall_audit.log.2.gz": gz.subarray(0, gz.length >> 1),
          "syscall_audit.log.3.gz": badCrc,
          "syscall_audit.log.4.gz": new TextEncoder().encode("plain text with a .gz name\n"),
        });
        const r = await ship(base(c));
        assert.equal(r.code, 65, r.stderr);
        assert.match(
          r.stderr,
          /"syscall_audit\.log\.2\.gz" is not a valid gzip file: truncated; moved to/,
        );
        assert.match(r.stderr, /"syscall_audit\.log\.3\.gz" is not a valid gzip file: .*check/);
        assert.match(r.stdout, /shipped 1 files .* 3 quarantined/);
        assert.deepStrictEqual(await names(`${c.from}/syscall_audit.quarantine`), [
          "syscall_audit.log.2.gz",
          "syscall_audit.log.3.gz",
          "syscall_audit.log.4.gz",
        ]);
        await assertExactlyOnce(client, "/audit/raw", c.host, [good]);
        // nothing of the corrupt files is left in staging either
        const staged = [...(await tree(client, "/audit/raw")).keys()].filter((p) =>
          p.includes(`/_staging/host=${c.host}/`)
        );
        assert.deepStrictEqual(staged, []);
      },
    );

    await t.step(
      "sources root did not write are refused, never read, never deleted; the rest ships (exit 66)",
      async () => {
        const c = fresh();
        const good = oneDay(40);
        const secret = `${tmp}/secret${n}`;
        await Deno.writeFile(secret, oneDay(41));
        await writeAged(c.from, {
          "syscall_audit.log.1": good,
          "syscall_audit.log.2": oneDay(42),
          "syscall_audit.log.3": oneDay(43),
        });
        await Deno.chown(`${c.from}/syscall_audit.log.2`, 65534, 65534);
        await Deno.chmod(`${c.from}/syscall_audit.log.3`, 0o666);
        await Deno.symlink(secret, `${c.from}/syscall_audit.log.4`);
        const fifo = await new Deno.Command("mkfifo", { args: [`${c.from}/syscall_audit.log.5`] })
          .output();
        assert.equal(fifo.code, 0);
        const r = await ship(base(c));
        assert.equal(r.code, 66, r.stderr);
        const refused = r.stderr.split("\n").filter((l) => l.startsWith("ship: refused "));
        assert.deepStrictEqual(refused, [
          'ship: refused "syscall_audit.log.2" is owned by uid 65534, not 0; not read, left in place',
          'ship: refused "syscall_audit.log.3" is writable by group or others (mode 666); not read, left in place',
          'ship: refused "syscall_audit.log.4" is a symlink; not read, left in place',
          'ship: refused "syscall_audit.log.5" is a FIFO; not read, left in place',
        ]);
        assert.match(r.stdout, /shipped 1 files .* 4 refused, 0 quarantined, 0 failed, 1 deleted/);
        await assertExactlyOnce(client, "/audit/raw", c.host, [good]);
        assert.deepStrictEqual(await names(c.from), [
          "syscall_audit.log.2",
          "syscall_audit.log.3",
          "syscall_audit.log.4",
          "syscall_audit.log.5",
        ]);
        assert.deepStrictEqual(await Deno.readFile(secret), oneDay(41));
      },
    );

    await t.step(
      "a planted or foreign quarantine directory is not used: the corrupt file stays, reported (exit 73)",
      async () => {
        const c = fresh();
        const good = oneDay(44);
        const gz = gzipSync(oneDay(45));
        const elsewhere = `${tmp}/elsewhere${n}`;
        await Deno.mkdir(elsewhere);
        await writeAged(c.from, {
          "syscall_audit.log.1": good,
          "syscall_audit.log.2.gz": gz.subarray(0, gz.length >> 1),
        });
        const q = `${c.from}/syscall_audit.quarantine`;
        await Deno.symlink(elsewhere, q);
        const r = await ship(base(c));
        assert.equal(r.code, 73, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `"syscall_audit\\.log\\.2\\.gz" is not a valid gzip file: truncated; cannot quarantine: the quarantine directory "${q}" is a symlink; left in place`,
          ),
        );
        assert.doesNotMatch(r.stderr, /moved to/);
        assert.match(r.stdout, /shipped 1 files .* 0 quarantined, 1 failed/);
        assert.deepStrictEqual(await names(c.from), [
          "syscall_audit.log.2.gz",
          "syscall_audit.quarantine",
        ]);
        assert.deepStrictEqual(await names(elsewhere), []);
        await assertExactlyOnce(client, "/audit/raw", c.host, [good]);
        // a real directory, but someone else's
        await Deno.remove(q);
        await Deno.mkdir(q, { mode: 0o700 });
        await Deno.chown(q, 65534, 65534);
        const foreign = await ship(base(c));
        assert.equal(foreign.code, 73, foreign.stderr);
        assert.match(
          foreign.stderr,
          /cannot quarantine: .* is owned by uid 65534, not 0; left in place/,
        );
        assert.deepStrictEqual(await names(q), []);
        // ours: the file moves there
        await Deno.chown(q, 0, 0);
        const ours = await ship(base(c));
        assert.equal(ours.code, 65, ours.stderr);
        assert.match(ours.stderr, new RegExp(`moved to "${q}/syscall_audit\\.log\\.2\\.gz"`));
        assert.deepStrictEqual(await names(q), ["syscall_audit.log.2.gz"]);
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.quarantine"]);
      },
    );

    await t.step(
      "a file that grew after it was shipped ships only its new tail, as pieces of their own",
      async () => {
        const c = fresh();
        const a = oneDay(46, 200);
        const path = `${c.from}/syscall_audit.log.1`;
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const first = await ship([...base(c), "--keep-days", "2"]);
        assert.equal(first.code, 0, first.stderr);
        // a late writer appends, across midnight
        const more = synthLog({
          startNs: ns("2026-11-25T23:58:00Z"),
          count: 400,
          meanGapMs: 600,
          seed: 47,
        });
        await Deno.writeFile(path, more, { append: true });
        const old = new Date(Date.now() - 3_600_000);
        await Deno.utime(path, old, old);
        const r = await ship([...base(c), "--keep-days", "2"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `"syscall_audit\\.log\\.1" grew after ${a.length} bytes of it were shipped; shipped bytes ${a.length}\\.\\.${
              a.length + more.length
            } as piece 1\\.\\.2`,
          ),
        );
        assert.doesNotMatch(r.stderr, /conflict/);
        assert.match(r.stdout, /shipped 1 files \(2 pieces, .* 0 conflicts/);
        // every line once: none of the first part again
        const files = await assertExactlyOnce(client, "/audit/raw", c.host, [a, more]);
        const paths = [...files.keys()].sort((x, y) =>
          Number(/\.(\d+)\.log\.gz$/.exec(x)![1]) - Number(/\.(\d+)\.log\.gz$/.exec(y)![1])
        );
        assert.deepStrictEqual(
          paths.map((p) => p.replace(/^.*\/dt=([^/]+)\/.*\.(\d+)\.log\.gz$/, "$1 $2")),
          ["2026-11-25 0", "2026-11-25 1", "2026-11-26 2"],
        );
        // one name stamp for the whole file; its pieces in order are the file
        assert.equal(
          new Set(paths.map((p) => p.replace(/^.*\//, "").replace(/\.\d+\.log\.gz$/, ""))).size,
          1,
        );
        assert.equal(
          sha(new Uint8Array(paths.flatMap((p) => [...files.get(p)!]))),
          sha(await Deno.readFile(path)),
        );
        const tail = JSON.parse((await client.getXAttrs(paths[1]))["user.syscall_audit"]);
        assert.equal(tail.raw_offset, a.length);
        assert.equal(tail.piece, 1);
        const journal = (await Deno.readTextFile(`${c.state}/shipped.jsonl`)).trim().split("\n")
          .map((l) => JSON.parse(l));
        assert.deepStrictEqual(
          journal.map((e) => [e.raw_offset, e.raw_bytes, e.first_piece]),
          [[0, a.length, 0], [a.length, more.length, 1]],
        );
        // nothing new: nothing shipped
        const before = await tree(client, "/audit/raw");
        const again = await ship([...base(c), "--keep-days", "2"]);
        assert.match(again.stdout, /shipped 0 files .* 1 already shipped/);
        assert.deepStrictEqual(await tree(client, "/audit/raw"), before);
        // the same inode rewritten with another, longer file: not a tail, shipped whole
        const other = synthLog({ startNs: ns("2026-11-25T14:00:00Z"), count: 1500, seed: 48 });
        await Deno.writeFile(path, other);
        await Deno.utime(path, old, old);
        const whole = await ship(base(c));
        assert.equal(whole.code, 0, whole.stderr);
        assert.doesNotMatch(whole.stderr, /grew after|conflict/);
        await assertExactlyOnce(client, "/audit/raw", c.host, [a, more, other]);
        assert.deepStrictEqual(await names(c.from), []);
      },
    );

    await t.step(
      "lines written while a file is shipped are not shipped in that run; the next run ships them as a tail",
      async () => {
        const c = fresh();
        const a = bulky(49, 2);
        const path = `${c.from}/syscall_audit.log.1`;
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const child = shipCommand([...base(c), "--max-rate", "300k"]).spawn();
        await waitFor(async () => (await stagingFiles(c.host)).length > 0);
        const more = bulky(50, 1);
        await Deno.writeFile(path, more, { append: true });
        const out = await child.output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, stderr);
        assert.match(
          stderr,
          /"syscall_audit\.log\.1" grew while it was shipped; kept: the bytes past the ones shipped go in a later run/,
        );
        // exactly the bytes there when the file was picked
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
        const old = new Date(Date.now() - 3_600_000);
        await Deno.utime(path, old, old);
        const r = await ship([...base(c), "--keep-days", "2"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`grew after ${a.length} bytes of it were shipped`));
        await assertExactlyOnce(client, "/audit/raw", c.host, [a, more]);
        // logrotate compresses the kept file: known as shipped (both ranges), not shipped again
        await Deno.remove(path);
        const whole = new Uint8Array([...a, ...more]);
        await writeAged(c.from, { "syscall_audit.log.2.gz": gzipSync(whole) });
        const before = await tree(client, "/audit/raw");
        const again = await ship([...base(c), "--keep-days", "2"]);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /shipped 0 files .* 1 already shipped/);
        assert.deepStrictEqual(await tree(client, "/audit/raw"), before);
      },
    );

    await t.step("hostile host and file names stay inside the layout", async () => {
      const c = { ...fresh(), host: "../../Evil/\n<b>host=x%" };
      const a = oneDay(8);
      await writeAged(c.from, {
        "syscall_audit.log.1": a,
        "syscall_audit.log.1\nx": oneDay(9),
        "syscall_audit.log-..": oneDay(10),
        "syscall_audit.log.1 ; rm -rf": oneDay(11),
      });
      const r = await ship(base(c, "/hostile"));
      assert.equal(r.code, 0, r.stderr);
      const hostDir = "..%2F..%2Fevil%2F%0A%3Cb%3Ehost%3Dx%25";
      const all = [...(await tree(client, "/hostile")).keys()];
      for (const p of all) {
        assert.match(
          p,
          new RegExp(
            `^/hostile/(dt=2026-11-25|_staging)/host=${hostDir.replace(/[.%]/g, "\\$&")}/[^/]+$`,
          ),
          p,
        );
      }
      await assertExactlyOnce(client, "/hostile", hostDir, [a]);
      assert.equal((await names(c.from)).length, 3, "look-alike names are left alone");
    });

    await t.step("connection refused: exit 75, nothing deleted; the next run ships", async () => {
      const c = fresh();
      const a = oneDay(12);
      await writeAged(c.from, { "syscall_audit.log.1": a });
      const dead = base(c).map((v) =>
        v.startsWith("webhdfs://") ? "webhdfs://127.0.0.1:1023/audit/raw" : v
      );
      const r = await ship(dead);
      assert.equal(r.code, 75, r.stderr);
      assert.match(r.stderr, /no active namenode .*127\.0\.0\.1:1023: connection refused/);
      assert.match(r.stdout, /1 failed, 0 deleted/);
      assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
      assert.equal((await ship(base(c))).code, 0);
      await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
    });

    await t.step("permission denied: exit 77 with HDFS's reason, nothing deleted", async () => {
      const c = fresh();
      const a = oneDay(13);
      await writeAged(c.from, { "syscall_audit.log.1": a });
      await client.mkdirs("/locked", "700");
      const args = base(c, "/locked/raw");
      args[args.indexOf("--user") + 1] = "mallory";
      const r = await ship(args);
      assert.equal(r.code, 77, r.stderr);
      assert.match(
        r.stderr,
        /namenode returned 403 AccessControlException: Permission denied: user=mallory/,
      );
      assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
      assert.equal((await ship(base(c, "/locked/raw"))).code, 0);
      await assertExactlyOnce(client, "/locked/raw", c.host, [a]);
    });

    await t.step(
      "two shippers at once: one ships, the other exits 75 and touches nothing",
      async () => {
        const c = fresh();
        const a = bulky(14, 2);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const first = shipCommand([...base(c), "--max-rate", "400k"]).spawn();
        await waitFor(async () =>
          (await names(c.state).catch((): string[] => [])).includes("ship.lock")
        );
        await new Promise((r) => setTimeout(r, 300));
        const second = await ship(base(c));
        assert.equal(second.code, 75, second.stderr);
        assert.match(second.stdout, /another shipper \(pid \d+\) holds .*ship\.lock; nothing done/);
        const out = await first.output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
      },
    );

    await t.step(
      "kill -9 mid-upload: nothing half-done in place; the next run ships exactly once",
      async () => {
        const c = fresh();
        const a = bulky(15, 3);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const child = shipCommand([...base(c), "--max-rate", "300k"]).spawn();
        await waitFor(async () => (await stagingFiles(c.host)).length > 0);
        await new Promise((r) => setTimeout(r, 700));
        child.kill("SIGKILL");
        await child.output();
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
        assert.equal((await shippedFiles(client, "/audit/raw", c.host)).size, 0);
        assert.ok((await stagingFiles(c.host)).length > 0, "the killed run left its staging file");
        const r = await ship(base(c));
        assert.equal(r.code, 0, r.stderr);
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
        assert.deepStrictEqual(await stagingFiles(c.host), []);
        assert.deepStrictEqual(await names(c.from), []);
      },
    );

    await t.step(
      "NameNode stopped during an upload: the run fails (75), keeps the file; after a restart the next run ships",
      async () => {
        const c = fresh();
        const a = bulky(16, 3);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        const child = shipCommand([
          ...base(c),
          "--max-rate",
          "400k",
          "--attempts",
          "1",
          "--timeout",
          "5s",
        ]).spawn();
        await waitFor(async () => (await stagingFiles(c.host)).length > 0);
        await control(hdfs, "/namenode/0/stop");
        let out;
        try {
          out = await child.output();
        } finally {
          await control(hdfs, "/namenode/0/start");
        }
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 75, stderr);
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
        const r = await ship(base(c));
        assert.equal(r.code, 0, r.stderr);
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
      },
    );

    await t.step("a DataNode down: shipping still completes", async () => {
      const c = fresh();
      const a = spanning(17);
      await writeAged(c.from, { "syscall_audit.log.1": a });
      await control(hdfs, "/datanode/0/stop");
      try {
        const r = await ship([...base(c), "--attempts", "5"]);
        assert.equal(r.code, 0, r.stderr);
        await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
      } finally {
        await control(hdfs, "/datanode/0/start");
      }
    });

    await t.step(
      "--keep-days keeps shipped files, and knows them after logrotate compressed them",
      async () => {
        const c = fresh();
        const a = oneDay(18);
        await writeAged(c.from, { "syscall_audit.log.1": a });
        assert.equal((await ship([...base(c), "--keep-days", "2"])).code, 0);
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.1"]);
        // logrotate's delaycompress: .1 becomes .2.gz
        await Deno.remove(`${c.from}/syscall_audit.log.1`);
        await writeAged(c.from, { "syscall_audit.log.2.gz": gzipSync(a) });
        const before = await tree(client, "/audit/raw");
        const r = await ship([...base(c), "--keep-days", "2"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /shipped 0 files .* 1 already shipped/);
        assert.deepStrictEqual(await tree(client, "/audit/raw"), before);
        assert.deepStrictEqual(await names(c.from), ["syscall_audit.log.2.gz"]);
        // once older than the retention, it goes
        const old = new Date(Date.now() - 3 * 86_400_000);
        await Deno.utime(`${c.from}/syscall_audit.log.2.gz`, old, old);
        const later = await ship([...base(c), "--keep-days", "2"]);
        assert.match(later.stdout, /1 already shipped, .* 1 deleted/);
        assert.deepStrictEqual(await names(c.from), []);
      },
    );

    await t.step(
      "the disk of the host is full: files ship, are freed, and the journal is written after",
      async () => {
        const c = fresh();
        const mnt = `${tmp}/full`;
        await Deno.mkdir(mnt);
        const mount = await new Deno.Command("mount", {
          args: ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
        }).output();
        assert.equal(mount.code, 0, new TextDecoder().decode(mount.stderr));
        try {
          const from = `${mnt}/log`;
          const state = `${mnt}/state`;
          await Deno.mkdir(state);
          const a = spanning(19, 8000);
          await writeAged(from, { "syscall_audit.log.1": a });
          // fill every last byte
          const fill = await Deno.open(`${mnt}/filler`, { write: true, create: true });
          try {
            for (;;) await fill.write(new Uint8Array(4096));
          } catch (e) {
            assert.ok(
              /No space|ENOSPC|StorageFull/.test(String(e)),
              String(e),
            );
          }
          try {
            for (;;) await fill.write(new Uint8Array(1));
          } catch {
            // full to the byte
          }
          fill.close();
          const r = await ship([
            "--from",
            from,
            "--state-dir",
            state,
            ...base(c).slice(2, 4),
            "--host",
            c.host,
            "--min-age",
            "0",
            "--user",
            hdfs.user,
          ]);
          assert.equal(r.code, 0, r.stderr);
          assert.deepStrictEqual(await names(from), []);
          const journal = await Deno.readTextFile(`${state}/shipped.jsonl`);
          assert.equal(JSON.parse(journal.trim()).source, "syscall_audit.log.1");
          await assertExactlyOnce(client, "/audit/raw", c.host, [a]);
        } finally {
          await new Deno.Command("umount", { args: [mnt] }).output();
        }
      },
    );
  } finally {
    client.close();
    await stopHdfs(hdfs);
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }

  async function stagingFiles(host: string): Promise<string[]> {
    return [...(await tree(client, `/audit/raw/_staging/host=${host}`)).keys()];
  }
});

async function waitFor(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
