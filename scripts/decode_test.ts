import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encodeExec, encodeStats, type ExecEvent, MAX_LINE_BYTES } from "./logformat/mod.ts";
import { execEvent } from "../tests/support/exec_event.ts";

const decode = new URL("./decode.ts", import.meta.url).pathname;

function ev(i: number, argv: string[]): ExecEvent {
  return execEvent({
    time_ns: `179587931321589702${i}`,
    boot_id: "ab".repeat(16),
    seq: i,
    pid: 100 + i,
    start_ns: "5",
    pstart_ns: "1",
    comm: "x",
    pcomm: "sh",
    filename: "/bin/x",
    argv,
  });
}

async function runDecode(...files: string[]) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", decode, ...files] })
    .output();
  const td = new TextDecoder();
  return { code: out.code, stdout: td.decode(out.stdout), stderr: td.decode(out.stderr) };
}

Deno.test("decode prints JSON per record and reports a torn last line without gluing it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = `${dir}/a.log`;
    const lines = [
      encodeStats("1795879311127761629", "ab".repeat(16), "open", { events: 0 }),
      encodeExec(ev(1, ["x", "a\tb", "\udcff"])),
      encodeExec(ev(2, ["x", ""])),
    ];
    const torn = encodeExec(ev(3, ["x", "cut"])).slice(0, 50);
    await Deno.writeTextFile(a, lines.join("\n") + "\n" + torn);
    const b = `${dir}/b.log.gz`;
    await Deno.writeFile(b, gzipSync(new TextEncoder().encode(encodeExec(ev(4, ["y"])) + "\n")));
    const r = await runDecode(a, b);
    assert.equal(r.code, 0, r.stderr);
    const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(objs.map((o) => o.type), ["stats", "exec", "exec", "exec"], r.stderr);
    assert.deepEqual(objs[1].argv, ["x", "a\tb", "\udcff"]);
    assert.ok(r.stdout.includes('"\\udcff"'), "invalid bytes as surrogate escapes");
    assert.equal(objs[1].time, "2026-11-28T15:21:53.215897021Z");
    assert.equal(objs[3].pid, 104);
    // E2: the image id (with xid), the process id without it
    assert.equal(objs[1].exec_id, `${"ab".repeat(16)}-5-101-${objs[1].xid}`);
    assert.equal(objs[1].process_id, `${"ab".repeat(16)}-5-101`);
    const e2 = ["exe", "dev", "ino", "xid", "pxid", "mntns", "pidns", "userns", "lost", "redact"];
    for (
      const k of ["time", "pid", "ppid", "uid", "comm", "pcomm", "filename", "argv", "ret", ...e2]
    ) {
      assert.ok(k in objs[1], k);
    }
    assert.match(r.stderr, new RegExp(`${a}:4: torn last line skipped`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode reports a corrupt gzip file in one line and goes on with the next file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const gz = gzipSync(new TextEncoder().encode((encodeExec(ev(1, ["a"])) + "\n").repeat(2000)));
    const bad = `${dir}/bad.log.gz`;
    await Deno.writeFile(bad, gz.subarray(0, Math.floor(gz.length / 2))); // truncated
    const good = `${dir}/good.log`;
    await Deno.writeTextFile(good, encodeExec(ev(2, ["b"])) + "\n");
    const r = await runDecode(bad, good);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${bad}: cannot read: `));
    const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(objs.at(-1).argv[0], "b");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode reads a gzip file of several members (cat a.gz b.gz)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const one = gzipSync(new TextEncoder().encode(encodeExec(ev(1, ["first"])) + "\n"));
    const two = gzipSync(new TextEncoder().encode(encodeExec(ev(2, ["second"])) + "\n"));
    const f = `${dir}/both.log.gz`;
    await Deno.writeFile(f, new Uint8Array([...one, ...two]));
    const r = await runDecode(f);
    assert.equal(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l).argv[0]), [
      "first",
      "second",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode --type of an unknown type fails in one line naming the known ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/a.log`;
    await Deno.writeTextFile(f, encodeExec(ev(1, ["a"])) + "\n");
    const r = await runDecode("--type", "foo", f);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /"foo".*exec, stats/);
    const ok = await runDecode("--type", "stats", f);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode reports a line over MAX_LINE_BYTES as line_too_long and reads the next", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/long.log.gz`;
    const raw = new TextEncoder().encode(
      "E2\t" + "1".repeat(MAX_LINE_BYTES) + "\n" + encodeExec(ev(1, ["after"])) + "\n",
    );
    await Deno.writeFile(f, gzipSync(raw));
    const r = await runDecode(f);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${f}:1: line_too_long: ${MAX_LINE_BYTES + 3} bytes`));
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l).argv[0]), ["after"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
