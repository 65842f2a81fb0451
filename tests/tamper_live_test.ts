/**
 * The tamper-evidence chain end to end: the real collector under an exec
 * storm, real logrotate twice (one rotated file gzipped), the first key
 * escrowed sealed to a test RSA key, then `deno task verify`'s script over
 * the files. Needs root.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { gzipSync } from "node:zlib";
import { parseEscrow } from "../scripts/tamper/escrow.ts";
import {
  buildExecs,
  Collector,
  delay,
  lineCount,
  records,
  storm,
  tally,
  waitFor,
} from "./live_helpers.ts";

const VERIFY = new URL("../scripts/verify.ts", import.meta.url).pathname;

async function verify(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", VERIFY, ...args],
    env: { TZ: "UTC" },
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

Deno.test("verify passes the real collector's rotated files with the escrowed key, and names a flipped byte's line", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-tamper-" });
  const log = `${dir}/audit.log`;
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  await Deno.writeTextFile(`${dir}/escrow.pub`, publicKey);
  await Deno.writeTextFile(`${dir}/escrow.pem`, privateKey, { mode: 0o600 });
  const c = new Collector(log, ["--escrow-public-key", `${dir}/escrow.pub`]);
  try {
    await c.ready();
    const conf = (post: boolean) =>
      `${log} {\n  create 0600 root root\n  rotate 5\n  missingok\n  nocompress\n` +
      (post ? `  postrotate\n    kill -HUP ${c.pid}\n  endscript\n` : "") + "}\n";
    await Deno.writeTextFile(`${dir}/hup.conf`, conf(true));
    await Deno.writeTextFile(`${dir}/rename.conf`, conf(false));
    const rotate = async (name: string) => {
      const out = await new Deno.Command("logrotate", {
        args: ["-f", "-s", `${dir}/state`, `${dir}/${name}`],
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    const marker = `tam${crypto.randomUUID().slice(0, 8)}`;
    const N = 8000;
    const running = storm(N, marker, 2);
    await waitFor(async () => (await lineCount(log)) > N / 4, 60_000, "a quarter of the storm");
    await rotate("hup.conf");
    await waitFor(async () => (await lineCount(log)) > N / 4, 60_000, "more of the storm");
    await rotate("rename.conf");
    assert.equal(await running, N);
    await delay(300);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    assert.doesNotMatch(st.stderr, /in clear/, "sealed to the public key: no warning");

    // the escrow file: root-only, sealed, naming the run of the open record
    const keyDir = `${dir}/keys`;
    assert.equal((await Deno.stat(keyDir)).mode! & 0o777, 0o700);
    const escrows = [...Deno.readDirSync(keyDir)].map((e) => `${keyDir}/${e.name}`);
    assert.equal(escrows.length, 1);
    assert.equal((await Deno.stat(escrows[0])).mode! & 0o777, 0o600);
    const esc = parseEscrow(await Deno.readTextFile(escrows[0]), escrows[0]);
    assert.equal(esc.alg, "RSA-OAEP-SHA256");
    const r = await records(`${log}.2`, `${log}.1`, log);
    const open = r.stats.find((s) => s.reason === "open")!;
    assert.equal(open.values.nonce, esc.nonce);
    assert.equal(open.values.key_id, esc.key_id);
    assert.equal(r.stats.filter((s) => s.reason === "close").length, 2);
    const state = JSON.parse(await Deno.readTextFile(`${dir}/chain.state`));
    assert.equal(state.chain, r.stats.at(-1)!.values.chain, "the state holds the last chain value");

    // logrotate's compression of the oldest file
    await Deno.writeFile(`${log}.2.gz`, gzipSync(await Deno.readFile(`${log}.2`)));
    await Deno.remove(`${log}.2`);
    const files = [`${log}.2.gz`, `${log}.1`, log];
    const ok = await verify(["--keys", keyDir, "--private-key", `${dir}/escrow.pem`, ...files]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^verify: ok: \d+ segments verified, 0 breaks/m);

    // without the private key the sealed key cannot be used: not ok, one line per problem
    const nokey = await verify(["--keys", keyDir, ...files]);
    assert.equal(nokey.code, 1);
    assert.match(nokey.err, /is sealed: --private-key is needed/);
    assert.match(nokey.out, /^.*audit\.log\.2\.gz:1: no-key: /m);

    // one flipped byte in the middle of the middle file
    const mid = await Deno.readFile(`${log}.1`);
    let at = mid.indexOf(0x0a, mid.length >> 1) + 1; // a line start
    while (mid[at] === 0x53) at = mid.indexOf(0x0a, at) + 1; // not an S1 record
    at += 30;
    while (mid[at] === 0x0a || mid[at] === 0x0b) at++;
    mid[at] ^= 0x01;
    await Deno.writeFile(`${log}.1`, mid);
    let flippedLine = 1;
    for (let i = 0; i < at; i++) if (mid[i] === 0x0a) flippedLine++;
    const bad = await verify(["--keys", keyDir, "--private-key", `${dir}/escrow.pem`, ...files]);
    assert.equal(bad.code, 1, bad.out);
    const lines = bad.out.split("\n").filter((l) => l.startsWith(`${log}.1:`));
    assert.equal(lines.length, 1, bad.out);
    const m = /^.*:(\d+): edited: lines (\d+)-(\d+),/.exec(lines[0]);
    assert.ok(m, lines[0]);
    assert.ok(
      Number(m[2]) <= flippedLine && flippedLine <= Number(m[3]),
      `line ${flippedLine} in ${lines[0]}`,
    );
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

async function sh(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test("verify holds across a full disk and links a run after kill -9 to the next", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-tamper-full-" });
  await sh("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]);
  const log = `${dir}/audit.log`;
  // a stats record every second: some are written to the full disk in part, or not at all
  const a = new Collector(log, ["--min-free-mb", "0", "--stats-interval", "1"]);
  let b: Collector | undefined;
  try {
    await a.ready();
    // fill the disk (the escrow file is written already)
    const f = await Deno.open(`${dir}/filler`, { write: true, create: true });
    try {
      for (;;) await f.write(new Uint8Array(64 * 1024));
    } catch {
      // ENOSPC
    } finally {
      f.close();
    }
    assert.equal(await storm(300, `tf${crypto.randomUUID().slice(0, 8)}`, 2), 300);
    await delay(1500); // records fail against the full disk
    await Deno.remove(`${dir}/filler`);
    assert.equal(await storm(300, `tg${crypto.randomUUID().slice(0, 8)}`, 2), 300);
    await delay(1500);
    await a.kill9();
    b = new Collector(log, ["--min-free-mb", "0"]);
    await b.ready();
    await delay(200);
    const st = await b.stop();
    assert.equal(st.code, 0, st.stderr);

    const r = await records(log);
    const exitA = r.stats.filter((s) => s.reason === "exit");
    assert.equal(exitA.length, 1, "only the second run exited");
    const opens = r.stats.filter((s) => s.reason === "open");
    assert.equal(opens.length, 2);
    const lastA = r.stats.filter((s) => s.values.nonce === opens[0].values.nonce).at(-1)!;
    assert.equal(opens[1].values.prev_chain, lastA.values.chain, "run 2 names run 1's last chain");
    assert.ok(Number(lastA.values.write_lost) > 0, "the full disk cost lines");

    const out = await verify(["--keys", `${dir}/keys`, log]);
    // run 1 was killed: at most the lines after its last record are unverifiable, nothing broken
    const breaks = out.out.split("\n").filter((l) => l.startsWith(`${log}:`));
    assert.ok(breaks.length <= 1, out.out);
    for (const l of breaks) assert.match(l, /: unverifiable-tail: .* run /);
    assert.match(
      out.out,
      /^verify: .*: \d+ segments verified, 0 breaks, [01] unverifiable, 2 runs/m,
    );
  } finally {
    await a.stop().catch(() => {});
    await b?.stop().catch(() => {});
    await new Deno.Command("umount", { args: [dir] }).output();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector --no-chain writes plain stats records and escrows no key", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-nochain-" });
  const log = `${dir}/audit.log`;
  const c = new Collector(log, ["--no-chain"]);
  try {
    await c.ready();
    const m = `nc${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(50, m, 1), 50);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stderr, /--no-chain: the log carries no tamper evidence/);
    const r = await records(log);
    assert.equal(tally(r.exec, m).size, 50);
    assert.deepEqual(r.stats.map((s) => s.reason), ["open", "exit"]);
    for (const s of r.stats) {
      for (const k of ["chain", "seg", "nonce", "key_id"]) assert.equal(s.values[k], undefined, k);
    }
    assert.equal(await Deno.stat(`${dir}/keys`).then(() => true, () => false), false);
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector with an escrow public key file that is not a key warns once and escrows in clear", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-badkey-" });
  await Deno.writeTextFile(`${dir}/escrow.pub`, "not a PEM key\n");
  const c = new Collector(`${dir}/audit.log`, ["--escrow-public-key", `${dir}/escrow.pub`]);
  try {
    await c.ready();
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    assert.match(
      st.stderr,
      /^collect: escrow public key ".*escrow\.pub" is not a usable public key \(.+\): the chain's first key is escrowed in clear$/m,
    );
    const escrows = [...Deno.readDirSync(`${dir}/keys`)].map((e) => `${dir}/keys/${e.name}`);
    assert.equal(escrows.length, 1);
    assert.equal(parseEscrow(await Deno.readTextFile(escrows[0]), escrows[0]).alg, "clear");
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
