/**
 * The real collector on the real kernel: hostile argv, failed execs, uid,
 * relative paths. Needs root (CI runs as root).
 */
import assert from "node:assert/strict";
import { bytesToText } from "../scripts/lib/text_bytes.ts";
import { FLAGS, utf8Length } from "../scripts/logformat/mod.ts";
import { buildExecs, Collector, devText, hex, records, waitFor } from "./live_helpers.ts";

const te = new TextEncoder();

interface Case {
  name: string;
  path: string;
  argv: Uint8Array[];
  uid?: number;
  cwd?: string;
}

Deno.test("collector captures each hostile exec exactly once with exact argv", async () => {
  const execs = await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-live-" });
  const log = `${dir}/audit.log`;
  const c = new Collector(log);
  try {
    await c.ready();
    const m = `m${crypto.randomUUID().slice(0, 8)}`;
    const s = (x: string) => te.encode(x);
    await Deno.copyFile("/bin/true", `${dir}/t`);
    await Deno.chmod(`${dir}/t`, 0o755);
    const cases: Case[] = [
      {
        name: "tab",
        path: "/bin/true",
        argv: [s("true"), s(`${m}-tab`), s("a\tb"), s("c\nd"), s("e\\f"), s("\r")],
      },
      {
        name: "html",
        path: "/bin/true",
        argv: [s("true"), s(`${m}-html`), s("<script>alert(1)</script>"), s(`'"&`), s("a b c")],
      },
      {
        name: "many",
        path: "/bin/true",
        argv: [s("true"), s(`${m}-many`), ...Array.from({ length: 200 }, (_, i) => s(`x${i}`))],
      },
      {
        name: "big",
        path: "/bin/true",
        argv: [s("true"), s(`${m}-big`), s("A".repeat(10 * 1024))],
      },
      {
        name: "utf8",
        path: "/bin/true",
        argv: [
          s("true"),
          s(`${m}-utf8`),
          new Uint8Array([0xff, 0xfe, 0xc3, 0x28]),
          s("\x01\x7f"),
          s("é😀"),
        ],
      },
      {
        name: "empty",
        path: "/bin/true",
        argv: [s("true"), s(`${m}-empty`), s(""), s(""), s("x")],
      },
      {
        name: "enoent",
        path: "/nonexistent/definitely-not-here",
        argv: [s("nope"), s(`${m}-enoent`), s("a\tb")],
      },
      { name: "uid", path: "/bin/true", argv: [s("true"), s(`${m}-uid`)], uid: 65534 },
      {
        name: "secret",
        path: "/bin/true",
        argv: [
          s("true"),
          s(`${m}-secret`),
          s("--password=hunter2"),
          s("--token"),
          s("abc"),
          s("https://u:pw@h/"),
        ],
      },
      { name: "relative", path: "./t", argv: [s("t"), s(`${m}-relative`)], cwd: dir },
    ];
    const pids = new Map<string, { pid: number; code: number }>();
    for (const k of cases) {
      const args = [
        "raw",
        ...(k.uid !== undefined ? ["-u", String(k.uid)] : []),
        hex(k.path),
        ...k.argv.map(hex),
      ];
      const child = new Deno.Command(execs, { args, cwd: k.cwd, stderr: "null" }).spawn();
      const st = await child.status;
      pids.set(k.name, { pid: child.pid, code: st.code });
    }
    assert.equal(pids.get("enoent")!.code, 127);
    const want = (k: Case) => bytesToText(k.argv[1]);
    await waitFor(
      async () => {
        const r = await records(log);
        return cases.every((k) => r.exec.some((e) => e.argv[1] === want(k)));
      },
      10_000,
      "every case in the log",
    );
    const stop = await c.stop();
    assert.equal(stop.code, 0, stop.stderr);

    const r = await records(log);
    assert.deepEqual(r.bad, []);
    const byCase = (k: Case) =>
      r.exec.filter((e) => e.argv[1] === want(k) && e.pid === pids.get(k.name)!.pid);
    for (const k of cases) {
      const got = byCase(k);
      assert.equal(got.length, 1, `${k.name}: ${got.length} events`);
      const e = got[0];
      assert.equal(e.ppid, Deno.pid, `${k.name}: ppid`);
      assert.equal(e.filename, k.path, `${k.name}: filename`);
      assert.equal(e.uid, k.uid ?? 0, `${k.name}: uid`);
      assert.equal(e.syscall, "execve");
      assert.match(e.boot_id, /^[0-9a-f]{32}$/);
      assert.ok(BigInt(e.start_ns) > BigInt(e.pstart_ns), `${k.name}: child started after parent`);
      const fullBytes = k.argv.reduce((n, a) => n + a.length + 1, 0);
      const texts = k.argv.map((a) => bytesToText(a));
      if (k.name === "many") {
        assert.equal(e.argc, 202);
        assert.equal(e.argv_captured, 128);
        assert.deepEqual(e.argv, texts.slice(0, 128));
        assert.equal(e.arg_bytes, fullBytes);
      } else if (k.name === "big") {
        assert.equal(e.argc, 3);
        assert.equal(e.arg_bytes, fullBytes);
        assert.equal(e.argv_captured_bytes, 8192);
        const keep = 8192 - k.argv[0].length - 1 - k.argv[1].length - 1;
        assert.deepEqual(e.argv, [texts[0], texts[1], "A".repeat(keep)]);
      } else if (k.name === "secret") {
        // E2 redaction keeps every length (hidden bytes are "*", the redact field says where)
        assert.deepEqual(e.argv.map(utf8Length), k.argv.map((a) => a.length));
        assert.ok(e.flags & FLAGS.redacted);
        assert.deepEqual(e.argv.slice(2), [
          "--password=*******",
          "--token",
          "***",
          "https://u:**@h/",
        ]);
        assert.equal(e.redact!.split(";").length, 3);
        assert.equal(e.argv_captured_bytes, fullBytes);
        assert.equal(e.arg_bytes, fullBytes);
      } else {
        assert.deepEqual(e.argv, texts, `${k.name}: argv`);
        assert.equal(e.argc, k.name === "enoent" ? 3 : k.argv.length);
        assert.equal(e.arg_bytes, fullBytes);
        assert.equal(e.argv_captured_bytes, fullBytes);
      }
      if (k.name === "enoent") {
        assert.equal(e.ret, -2);
        assert.ok(e.flags & FLAGS.argv_from_caller);
      } else {
        assert.equal(e.ret, 0);
        assert.equal(e.flags & FLAGS.argv_from_caller, 0);
      }
      if (k.name === "relative") assert.equal(e.cwd, await Deno.realPath(dir));
      else assert.equal(e.cwd, "");
      if (k.name === "uid") assert.equal(e.comm, "true");
      assert.equal(e.version, 2, `${k.name}: E2`);
      if (e.ret === 0) {
        // the kernel's view of the file: path, device and inode of what really ran
        const real = await Deno.realPath(k.path.startsWith("/") ? k.path : `${k.cwd}/${k.path}`);
        const st = await Deno.stat(real);
        assert.equal(e.exe, real, `${k.name}: exe`);
        assert.equal(e.ino, String(st.ino), `${k.name}: ino`);
        assert.equal(e.dev, devText(st.dev), `${k.name}: dev`);
      } else {
        assert.deepEqual([e.exe, e.dev, e.ino], ["", null, null], `${k.name}: no file`);
      }
    }
    const mode = (await Deno.stat(log)).mode! & 0o777;
    assert.equal(mode, 0o600);
    const exit = r.stats.find((x) => x.reason === "exit");
    assert.ok(exit, "an exit stats record");
    assert.equal(exit.values.rb_lost, "0");
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collect --check reports a supported host, and one clear line when libbpf is missing", async () => {
  const collect = new URL("../scripts/collect.ts", import.meta.url).pathname;
  const ok = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", collect, "--check"] })
    .output();
  const out = new TextDecoder().decode(ok.stdout);
  assert.equal(ok.code, 0, out);
  assert.match(out, /^ok {3}kernel/m);
  assert.match(out, /^ok {3}load/m);
  assert.match(out, /^supported:/m);
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", collect, "--check"],
    env: { LIBBPF_PATH: "/nonexistent/libbpf.so.1" },
  }).output();
  const badOut = new TextDecoder().decode(bad.stdout);
  assert.equal(bad.code, 1);
  const last = badOut.trim().split("\n").at(-1)!;
  assert.match(last, /^unsupported: libbpf: Cannot open libbpf "\/nonexistent\/libbpf.so.1"/);
});
