/**
 * The real collector on the real kernel against the ways a program can hide
 * or misname what it runs: 32-bit syscalls, chroot, mount namespaces, fake
 * names, fileless execs, threads, odd names, huge argv, and the collector's
 * own stop and crash. Each test asserts the exact record(s). Needs root, `as`
 * and `ld` (binutils), `cc`, `unshare`, `chroot`.
 */
import assert from "node:assert/strict";
import { type ExecEvent, execId, parentExecId, utf8Length } from "../scripts/logformat/mod.ts";
import { bytesToText } from "../scripts/lib/text_bytes.ts";
import {
  buildExecs,
  cleanPins,
  Collector,
  delay,
  devText,
  records,
  storm,
  testPinDir,
  waitFor,
} from "./live_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const BIN = `${root}build/testbin`;
const DATA = `${root}tests/testdata`;
const COMPAT = 0x80, NONAME = 0x200, CHROOT = 0x400, NO_ENTER = 0x20, CALLER = 0x01;

async function sh(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

function fresh(out: string, src: string): boolean {
  try {
    return Deno.statSync(out).mtime! >= Deno.statSync(src).mtime!;
  } catch {
    return false;
  }
}

/** Builds the test programs of tests/testdata once. */
async function build(): Promise<{ exec32: string; int80: string; evasion: string }> {
  await Deno.mkdir(BIN, { recursive: true });
  const exec32 = `${BIN}/exec32`, int80 = `${BIN}/int80`, evasion = `${BIN}/evasion`;
  if (!(fresh(exec32, `${DATA}/exec32.s`))) {
    await sh("as", ["--32", "-o", `${exec32}.o`, `${DATA}/exec32.s`]);
    await sh("ld", ["-m", "elf_i386", "-o", exec32, `${exec32}.o`]);
  }
  if (!(fresh(int80, `${DATA}/int80.s`))) {
    await sh("as", ["--64", "-o", `${int80}.o`, `${DATA}/int80.s`]);
    await sh("ld", ["-o", int80, `${int80}.o`]);
  }
  if (!(fresh(evasion, `${DATA}/evasion.c`))) {
    await sh("cc", ["-O2", "-pthread", "-o", evasion, `${DATA}/evasion.c`]);
  }
  return { exec32, int80, evasion };
}

/** Runs a program to its end; its pid and exit code. */
async function exec(cmd: string, args: string[], cwd?: string) {
  const child = new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "null" }).spawn();
  const st = await child.status;
  return { pid: child.pid, code: st.code };
}

/**
 * Starts a collector, runs `act` in a temp dir, waits until `done` holds for
 * the exec records, stops the collector and returns every record.
 */
async function capture(
  act: (dir: string, marker: string) => Promise<void>,
  done: (exec: ExecEvent[], marker: string) => boolean,
  extra: string[] = [],
) {
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  const marker = `m${crypto.randomUUID().slice(0, 8)}`;
  const c = new Collector(`${dir}/audit.log`, extra);
  try {
    await c.ready();
    await act(dir, marker);
    await waitFor(async () => done((await records(c.log)).exec, marker), 10_000, "the records");
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(c.log);
    assert.deepEqual(r.bad, []);
    return { ...r, marker, dir };
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

const withMarker = (exec: ExecEvent[], marker: string) =>
  exec.filter((e) => e.argv.includes(marker));

/** The file facts of a path, as a record shows them. */
async function fileOf(path: string) {
  const real = await Deno.realPath(path);
  const st = await Deno.stat(real);
  return { exe: real, dev: devText(st.dev), ino: String(st.ino) };
}

const facts = (e: ExecEvent) => ({ exe: e.exe, dev: e.dev, ino: e.ino });

/** The failed then successful 32-bit execve of one process (exec32, int80). */
async function assertCompatPair(
  exec: ExecEvent[],
  pid: number,
  failPath: string,
  marker: string,
) {
  const mine = exec.filter((e) => e.pid === pid && e.argv[1] === marker && e.syscall !== "execve");
  assert.equal(mine.length, 2, JSON.stringify(mine));
  const [fail, ok] = mine;
  assert.deepEqual(
    [fail.syscall, fail.ret, fail.flags, fail.filename, fail.argv, fail.argc],
    ["execve32", -2, COMPAT | CALLER, failPath, [failPath, marker], 2],
  );
  assert.deepEqual(facts(fail), { exe: "", dev: null, ino: null });
  assert.deepEqual(
    [ok.syscall, ok.ret, ok.flags, ok.filename, ok.argv, ok.comm],
    ["execve32", 0, COMPAT, "/bin/true", ["/bin/true", marker], "true"],
  );
  assert.deepEqual(facts(ok), await fileOf("/bin/true"));
  // the failed attempt is of the image before, the success makes a new one
  assert.equal(BigInt(ok.xid!), BigInt(fail.xid!) + 1n);
  assert.equal(ok.start_ns, fail.start_ns);
}

Deno.test("collector records a 32-bit program's failed and successful execve as execve32", async () => {
  const { exec32 } = await build();
  let pid = 0;
  const r = await capture(async (_dir, m) => {
    const x = await exec(exec32, ["/nonexistent/sa32", "/bin/true", m]);
    assert.equal(x.code, 0);
    pid = x.pid;
  }, (e, m) => e.some((x) => x.argv[1] === m && x.ret === 0 && x.syscall === "execve32"));
  await assertCompatPair(r.exec, pid, "/nonexistent/sa32", r.marker);
});

Deno.test("collector --no-ia32 attaches nothing for 32-bit syscalls: the success only, syscall unknown, open says ia32=0", async () => {
  const { exec32 } = await build();
  let pid = 0;
  const r = await capture(
    async (_dir, m) => {
      const x = await exec(exec32, ["/nonexistent/sa32", "/bin/true", m]);
      assert.equal(x.code, 0);
      pid = x.pid;
    },
    (e, m) => e.some((x) => x.argv[1] === m && x.ret === 0),
    ["--no-ia32"],
  );
  const mine = r.exec.filter((e) => e.pid === pid && e.argv[1] === r.marker);
  assert.deepEqual(
    mine.map((e) => [e.syscall, e.ret]),
    [["", 0]],
    "the failed attempt is not seen",
  );
  assert.equal(r.stats.find((s) => s.reason === "open")!.values.ia32, "0");
});

Deno.test("collector records int $0x80 execve from a 64-bit program as execve32", async () => {
  const { int80 } = await build();
  let pid = 0;
  const r = await capture(async (_dir, m) => {
    const x = await exec(int80, [m]);
    assert.equal(x.code, 0);
    pid = x.pid;
  }, (e, m) => e.some((x) => x.argv[1] === m && x.ret === 0 && x.syscall === "execve32"));
  // the program itself came in through the 64-bit execve
  const self = r.exec.find((e) => e.pid === pid && e.argv[0] === int80)!;
  assert.deepEqual([self.syscall, self.flags & COMPAT], ["execve", 0]);
  await assertCompatPair(r.exec, pid, "/nonexistent/int80", r.marker);
});

Deno.test("collector shows a chrooted exec's real path with its prefix and flag 400", async () => {
  const { int80 } = await build();
  let file: { exe: string; dev: string; ino: string } | undefined;
  const r = await capture(async (dir, m) => {
    await Deno.mkdir(`${dir}/cr/bin`, { recursive: true });
    await Deno.copyFile(int80, `${dir}/cr/bin/ok`);
    await Deno.chmod(`${dir}/cr/bin/ok`, 0o755);
    file = await fileOf(`${dir}/cr/bin/ok`);
    await exec("/usr/sbin/chroot", [`${dir}/cr`, "/bin/ok", m]);
  }, (e, m) => e.some((x) => x.argv[0] === "/bin/ok" && x.argv[1] === m));
  const ok = r.exec.filter((e) => e.argv[0] === "/bin/ok" && e.argv[1] === r.marker);
  assert.equal(ok.length, 1);
  assert.deepEqual([ok[0].filename, ok[0].ret, ok[0].flags & CHROOT], ["/bin/ok", 0, CHROOT]);
  assert.deepEqual(facts(ok[0]), file);
  assert.ok(file!.exe.endsWith("/cr/bin/ok") && file!.exe.length > "/bin/ok".length);
  // outside the chroot: no flag
  const outside = r.exec.find((e) => e.comm === "chroot" && e.argv[3] === r.marker)!;
  assert.equal(outside.flags & CHROOT, 0);
  // and inside, the 32-bit exec of /bin/true fails there (no such file in the chroot)
  const inside = r.exec.filter((e) => e.pid === ok[0].pid && e.argv[1] === r.marker && e.ret < 0);
  assert.deepEqual(inside.map((e) => [e.filename, e.ret]), [
    ["/nonexistent/int80", -2],
    ["/bin/true", -2],
  ]);
});

Deno.test("collector sees through a bind mount over /usr/bin/ls in a private mount namespace", async () => {
  let copy: { exe: string; dev: string; ino: string } | undefined;
  const hostMnt = String((await Deno.stat("/proc/self/ns/mnt")).ino);
  const hostUser = String((await Deno.stat("/proc/self/ns/user")).ino);
  const r = await capture(async (dir, m) => {
    await Deno.copyFile("/bin/true", `${dir}/lscopy`);
    await Deno.chmod(`${dir}/lscopy`, 0o755);
    copy = await fileOf(`${dir}/lscopy`);
    const x = await exec("/usr/bin/unshare", [
      "-rm",
      "/bin/sh",
      "-c",
      `mount --bind ${dir}/lscopy /usr/bin/ls && /usr/bin/ls ${m}; :`,
    ]);
    assert.equal(x.code, 0);
  }, (e, m) => e.some((x) => x.argv[0] === "/usr/bin/ls" && x.argv[1] === m));
  const ls = r.exec.filter((e) => e.argv[0] === "/usr/bin/ls" && e.argv[1] === r.marker);
  assert.equal(ls.length, 1);
  const real = await fileOf("/usr/bin/ls");
  assert.deepEqual(facts(ls[0]), { exe: "/usr/bin/ls", dev: copy!.dev, ino: copy!.ino });
  assert.notEqual(ls[0].ino, real.ino);
  assert.notEqual(String(ls[0].mntns), hostMnt);
  assert.notEqual(String(ls[0].userns), hostUser);
  assert.equal(ls[0].uid, 0); // root inside the user namespace, mapped from root here
});

Deno.test("collector links a renamed parent's child to the parent's real record", async () => {
  const { evasion } = await build();
  let pid = 0;
  const r = await capture(async (_dir, m) => {
    const x = await exec(evasion, ["rename", "fakename", "/bin/true", m]);
    assert.equal(x.code, 0);
    pid = x.pid;
  }, (e, m) => e.some((x) => x.argv[0] === "/bin/true" && x.argv[1] === m));
  const parent = r.exec.filter((e) => e.pid === pid && e.argv[1] === "rename");
  const child = r.exec.filter((e) => e.argv[0] === "/bin/true" && e.argv[1] === r.marker);
  assert.deepEqual([parent.length, child.length], [1, 1]);
  assert.equal(parent[0].comm, "evasion");
  assert.equal(child[0].pcomm, "fakename"); // the label the parent chose
  assert.equal(child[0].ppid, pid);
  assert.equal(parentExecId(child[0]), execId(parent[0]));
  assert.deepEqual([child[0].pstart_ns, child[0].pxid], [parent[0].start_ns, parent[0].xid]);
});

Deno.test("collector names a fileless memfd exec (execveat AT_EMPTY_PATH) and flags it 200", async () => {
  const { evasion } = await build();
  let pid = 0;
  const r = await capture(async (_dir, m) => {
    const x = await exec(evasion, ["memfd", "/bin/true", m]);
    assert.equal(x.code, 0);
    pid = x.pid;
  }, (e, m) => e.some((x) => x.argv[0] === "sa-evade" && x.argv[1] === m));
  const got = r.exec.filter((e) => e.pid === pid && e.argv[0] === "sa-evade");
  assert.equal(got.length, 1);
  const e = got[0];
  assert.deepEqual(
    [e.syscall, e.ret, e.flags, e.exe, e.argv],
    ["execveat", 0, NONAME, "/memfd:sa-evade", ["sa-evade", r.marker]],
  );
  assert.match(e.filename, /^\/dev\/fd\/\d+$/);
  assert.match(e.dev!, /^\d+:\d+$/);
  assert.notEqual(e.ino, null);
  assert.notEqual(e.ino, (await fileOf("/bin/true")).ino);
});

Deno.test("collector resolves execveat with a dirfd and a relative path to the real file", async () => {
  const { evasion } = await build();
  const r = await capture(async (_dir, m) => {
    const x = await exec(evasion, ["dirfd", "/usr/bin", "true", m]);
    assert.equal(x.code, 0);
  }, (e, m) => e.some((x) => x.argv[0] === "true" && x.argv[1] === m));
  const got = r.exec.filter((e) => e.argv[0] === "true" && e.argv[1] === r.marker);
  assert.equal(got.length, 1);
  assert.deepEqual([got[0].syscall, got[0].ret, got[0].flags], ["execveat", 0, 0]);
  assert.match(got[0].filename, /^\/dev\/fd\/\d+\/true$/);
  assert.deepEqual(facts(got[0]), await fileOf("/usr/bin/true"));
});

Deno.test("collector records an exec from a non-leader thread with its thread id", async () => {
  const { evasion } = await build();
  let pid = 0;
  const r = await capture(async (_dir, m) => {
    const x = await exec(evasion, ["thread", "/bin/true", m]);
    assert.equal(x.code, 0);
    pid = x.pid;
  }, (e, m) => e.some((x) => x.argv[0] === "/bin/true" && x.argv[1] === m));
  const got = r.exec.filter((e) => e.argv[0] === "/bin/true" && e.argv[1] === r.marker);
  assert.equal(got.length, 1);
  assert.equal(got[0].pid, pid);
  assert.notEqual(got[0].tid, pid);
  assert.ok(got[0].tid > pid);
  assert.deepEqual([got[0].syscall, got[0].ret, got[0].flags], ["execve", 0, 0]);
  assert.deepEqual(facts(got[0]), await fileOf("/bin/true"));
});

Deno.test("collector keeps a binary name with a newline on one line, exactly", async () => {
  let path = "";
  let file: { exe: string; dev: string; ino: string } | undefined;
  const r = await capture(async (dir, m) => {
    path = `${dir}/evil\nname`;
    await Deno.copyFile("/bin/true", path);
    await Deno.chmod(path, 0o755);
    file = await fileOf(path);
    const x = await exec(path, [m]);
    assert.equal(x.code, 0);
  }, (e, m) => e.some((x) => x.argv[1] === m));
  const got = withMarker(r.exec, r.marker);
  assert.equal(got.length, 1);
  assert.deepEqual([got[0].filename, got[0].argv, got[0].comm], [
    path,
    [path, r.marker],
    "evil\nname",
  ]);
  assert.deepEqual(facts(got[0]), file);
  assert.ok(got[0].exe!.includes("\n"));
});

Deno.test("collector cuts a very long argv and counts the cut", async () => {
  const long = Array.from({ length: 300 }, (_, i) => `${i}`.padStart(64, "x"));
  const r = await capture(async (_dir, m) => {
    const x = await exec("/bin/true", [m, ...long]);
    assert.equal(x.code, 0);
  }, (e, m) => e.some((x) => x.argv[1] === m));
  const got = withMarker(r.exec, r.marker);
  assert.equal(got.length, 1);
  const e = got[0];
  const full = ["/bin/true", r.marker, ...long];
  const fullBytes = full.reduce((n, a) => n + utf8Length(a) + 1, 0);
  // the kernel keeps the first 8192 bytes (--max-arg-bytes), user space at most 128 elements
  const kept = new TextEncoder().encode(full.join("\0") + "\0").subarray(0, 8192);
  const elems = bytesToText(kept).split("\0");
  const want = (kept[kept.length - 1] === 0 ? elems.slice(0, -1) : elems).slice(0, 128);
  assert.deepEqual([e.argc, e.arg_bytes], [full.length, fullBytes]);
  assert.deepEqual(e.argv, want);
  assert.equal(e.argv_captured, want.length);
  assert.ok(e.argv_captured < e.argc! && e.argv_captured_bytes < e.arg_bytes!, "cut is visible");
});

Deno.test("collector keeps every exec whole while it stops during an exec loop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  const m = `m${crypto.randomUUID().slice(0, 8)}`;
  const c = new Collector(`${dir}/audit.log`);
  let loop: Deno.ChildProcess | undefined;
  try {
    await c.ready();
    loop = new Deno.Command("/bin/sh", {
      args: ["-c", `while :; do /bin/true ${m}; /nonexistent/sa-loop ${m}; done`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitFor(
      async () => withMarker((await records(c.log)).exec, m).length > 20,
      10_000,
      "the loop in the log",
    );
    const st = await c.stop(); // while the loop runs
    assert.equal(st.code, 0, st.stderr);
    loop.kill("SIGKILL");
    await loop.status;
    loop = undefined;
    const r = await records(c.log);
    assert.deepEqual(r.bad, []);
    const mine = withMarker(r.exec, m);
    const broken = mine.filter((e) => e.syscall !== "execve" || e.flags & NO_ENTER);
    assert.deepEqual(broken, [], "no record without its syscall");
    const ok = mine.filter((e) => e.ret === 0).length;
    const failed = mine.filter((e) => e.ret === -2).length;
    assert.equal(ok + failed, mine.length);
    // the loop alternates: each success is followed by its failed attempt, up to the stop
    assert.ok(Math.abs(ok - failed) <= 1, `ok ${ok}, failed ${failed}`);
    assert.equal(r.stats.at(-1)?.reason, "exit");
  } finally {
    loop?.kill("SIGKILL");
    await loop?.status;
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector killed under an exec storm: the next start reports crash_lost in its open record", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  const pins = testPinDir();
  const first = new Collector(`${dir}/audit.log`, ["--wakeup-ms", "500"], pins);
  let second: Collector | undefined;
  try {
    await first.ready();
    const m = `m${crypto.randomUUID().slice(0, 8)}`;
    const running = storm(4000, m, 2);
    await delay(300);
    await first.kill9(); // the ring and the buffer go with it
    await running;
    second = new Collector(`${dir}/audit.log`, [], pins);
    await second.ready();
    const st = await second.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(`${dir}/audit.log`);
    const opens = r.stats.filter((s) => s.reason === "open");
    assert.equal(opens.length, 2);
    assert.equal(opens[0].values.crash_lost, "0");
    const lost = Number(opens[1].values.crash_lost);
    assert.ok(lost > 0, `crash_lost ${lost}`);
    const exit = r.stats.find((s) => s.reason === "exit")!;
    assert.equal(exit.values.crash_lost, undefined);
    assert.equal(opens[1].values.stats_reset, undefined);
  } finally {
    await first.kill9().catch(() => {});
    await second?.stop().catch(() => {});
    await cleanPins(pins);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector replaces pinned counters of another layout and says stats_reset=1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  const pins = testPinDir();
  let c: Collector | undefined;
  try {
    await Deno.mkdir(pins);
    // an older collector's stats map: per-CPU values of 8 bytes instead of struct kstats
    await sh("bpftool", [
      "map",
      "create",
      `${pins}/stats`,
      "type",
      "percpu_array",
      "key",
      "4",
      "value",
      "8",
      "entries",
      "1",
      "name",
      "stats",
    ]);
    c = new Collector(`${dir}/audit.log`, [], pins);
    await c.ready();
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const open = (await records(`${dir}/audit.log`)).stats.find((s) => s.reason === "open")!;
    assert.equal(open.values.stats_reset, "1");
    assert.equal(open.values.crash_lost, "0");
  } finally {
    await c?.stop().catch(() => {});
    await cleanPins(pins);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector runs on with pin_error in its open record when the pin dir cannot be made", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  const c = new Collector(`${dir}/audit.log`, [], "/proc/sa-no-pins-here");
  try {
    await c.ready();
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stderr, /counters not pinned/);
    const open = (await records(`${dir}/audit.log`)).stats.find((s) => s.reason === "open")!;
    assert.match(open.values.pin_error, /sa-no-pins-here/);
    assert.equal(open.values.crash_lost, "0");
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector runs on with pin_error when the pin dir is not on bpffs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sa-evade-" });
  await Deno.mkdir(`${dir}/pins`, { mode: 0o700 });
  const c = new Collector(`${dir}/audit.log`, [], `${dir}/pins`);
  try {
    await c.ready();
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(`${dir}/audit.log`);
    const open = r.stats.find((s) => s.reason === "open")!;
    assert.match(open.values.pin_error, /^Cannot pin in ".*\/pins": /);
    assert.ok(r.stats.some((s) => s.reason === "exit"), "captured and stopped as usual");
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
