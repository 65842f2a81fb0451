/**
 * The real collector's log writer under attack and faults: a symlink or a
 * FIFO at the log path, a second collector, a symlink at the lock path, a
 * reopen that fails and recovers, a file system below the disk threshold.
 * Needs root.
 */
import assert from "node:assert/strict";
import {
  assertExactlyOnce,
  buildExecs,
  Collector,
  delay,
  records,
  storm,
  tally,
  waitFor,
} from "./live_helpers.ts";

const td = new TextDecoder();

async function withDir(prefix: string, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A collector that must refuse to start: its exit code and stderr. */
async function refused(log: string): Promise<{ code: number; stderr: string }> {
  const c = new Collector(log);
  await waitFor(() => c.exited(), 60_000, "the collector to give up");
  return await c.stop();
}

Deno.test("collector refuses a symlink at the log path, leaving its target's mode and bytes", async () => {
  await withDir("sa-lnk-", async (dir) => {
    const target = `${dir}/passwd`;
    await Deno.writeTextFile(target, "root:x:0:0:root:/root:/bin/sh\n");
    await Deno.chmod(target, 0o644);
    const log = `${dir}/syscall_audit.log`;
    await Deno.symlink(target, log);
    const r = await refused(log);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `collect: Cannot open log "${log}": a symbolic link`);
    assert.equal((await Deno.stat(target)).mode! & 0o7777, 0o644);
    assert.equal(await Deno.readTextFile(target), "root:x:0:0:root:/root:/bin/sh\n");
  });
});

Deno.test("collector refuses a FIFO at the log path at once instead of hanging", async () => {
  await withDir("sa-fifo-", async (dir) => {
    const log = `${dir}/syscall_audit.log`;
    const mk = await new Deno.Command("mkfifo", { args: [log] }).output();
    assert.equal(mk.code, 0);
    const r = await refused(log);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `collect: Cannot open log "${log}": not a regular file (fifo)`);
  });
});

Deno.test("collector refuses to start while another holds the log's lock; log and lock are 0600 root", async () => {
  await buildExecs();
  await withDir("sa-two-", async (dir) => {
    const log = `${dir}/audit.log`;
    const first = new Collector(log);
    try {
      await first.ready();
      const second = await refused(log);
      assert.equal(second.code, 1);
      assert.equal(
        second.stderr.trim(),
        `collect: Cannot start: another collector (pid ${first.pid}) holds "${log}.lock"`,
      );
      const m = `two${crypto.randomUUID().slice(0, 8)}`;
      assert.equal(await storm(200, m, 2), 200);
      await delay(300);
      const st = await first.stop();
      assert.equal(st.code, 0, st.stderr);
      const r = await records(log);
      assertExactlyOnce(tally(r.exec, m), 200, "one collector");
      assert.equal(r.stats.filter((s) => s.reason === "open").length, 1);
      for (const p of [log, `${log}.lock`]) {
        const s = await Deno.lstat(p);
        assert.ok(s.isFile, p);
        assert.equal(s.mode! & 0o7777, 0o600, p);
        assert.equal(s.uid, 0, p);
      }
    } finally {
      await first.stop().catch(() => {});
    }
  });
});

Deno.test("collector refuses a symlink planted at the lock path and follows it nowhere", async () => {
  await withDir("sa-lock-", async (dir) => {
    const target = `${dir}/shadow`;
    await Deno.writeTextFile(target, "secret\n");
    await Deno.chmod(target, 0o640);
    const log = `${dir}/audit.log`;
    await Deno.symlink(target, `${log}.lock`);
    const r = await refused(log);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `collect: Cannot open lock "${log}.lock": a symbolic link`);
    assert.equal((await Deno.stat(target)).mode! & 0o7777, 0o640);
    assert.equal(await Deno.readTextFile(target), "secret\n");
    await assert.rejects(Deno.lstat(log), Deno.errors.NotFound, "no log created");
  });
});

Deno.test("collector keeps writing to the old file while a reopen fails, then recovers: no line lost", async () => {
  await buildExecs();
  await withDir("sa-reo-", async (dir) => {
    const log = `${dir}/audit.log`;
    const c = new Collector(log);
    try {
      await c.ready();
      const m1 = `r1${crypto.randomUUID().slice(0, 8)}`;
      assert.equal(await storm(300, m1, 2), 300);
      // logrotate renames the log; a directory takes its place: every reopen fails (EISDIR)
      await Deno.rename(log, `${log}.1`);
      await Deno.mkdir(log);
      c.child.kill("SIGHUP");
      const m2 = `r2${crypto.randomUUID().slice(0, 8)}`;
      assert.equal(await storm(300, m2, 2), 300);
      await waitFor(
        async () => tally((await records(`${log}.1`)).exec, m2).size === 300,
        60_000,
        "the lines written during the failure into the old file",
      );
      assert.ok(!(await c.exited()), "still running");
      await Deno.remove(log);
      // the next flush at least a second after the last try reopens: execs until it has
      let probes = 0;
      await waitFor(
        async () => {
          await storm(5, `probe${probes++}`, 1);
          return (await Deno.lstat(log).catch(() => undefined))?.isFile === true;
        },
        60_000,
        "the log recreated",
      );
      const m3 = `r3${crypto.randomUUID().slice(0, 8)}`;
      assert.equal(await storm(300, m3, 2), 300);
      await delay(300);
      const st = await c.stop();
      assert.equal(st.code, 0, st.stderr);
      assert.match(
        st.stderr,
        new RegExp(
          `collect: Cannot open log "${log}": not a regular file \\(directory\\); still writing to the old file`,
        ),
      );
      const r = await records(`${log}.1`, log);
      assert.deepEqual(r.bad, []);
      assertExactlyOnce(tally(r.exec, m1), 300, "before the rotation");
      assertExactlyOnce(tally(r.exec, m2), 300, "while the reopen failed");
      assertExactlyOnce(tally(r.exec, m3), 300, "after the recovery");
      const recover = r.stats.find((s) => s.reason === "recover");
      assert.ok(recover, "a recover record");
      assert.ok(Number(recover.values.reopen_failures) >= 1, JSON.stringify(recover.values));
      const exit = r.stats.find((s) => s.reason === "exit");
      assert.ok(exit, "an exit record");
      assert.equal(exit.values.reopen_failures, recover.values.reopen_failures);
      const now = await records(log);
      assert.ok(now.stats.some((s) => s.reason === "recover"), "recover in the new file");
      assert.equal(now.stats.at(-1)!.reason, "exit");
    } finally {
      await c.stop().catch(() => {});
    }
  });
});

Deno.test("collector below the disk threshold warns at start, drops exec lines, keeps its stats records", async () => {
  await buildExecs();
  await withDir("sa-small-", async (dir) => {
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", dir],
    }).output();
    assert.equal(mount.code, 0, td.decode(mount.stderr));
    try {
      const log = `${dir}/audit.log`;
      const c = new Collector(log, ["--min-free-mb", "64"]);
      try {
        await c.ready();
        const m = `sm${crypto.randomUUID().slice(0, 8)}`;
        assert.equal(await storm(200, m, 2), 200);
        await delay(300);
        const st = await c.stop();
        assert.equal(st.code, 0, st.stderr);
        assert.match(
          st.stderr,
          /collect: Log ".*": its file system holds 8\.0 MiB, less than the low-disk threshold of 64\.0 MiB/,
        );
        assert.match(st.stderr, /collect: stopped: \d+ events attempted,/);
        const r = await records(log);
        assert.equal(tally(r.exec, m).size, 0);
        assert.deepEqual(r.stats.map((s) => s.reason), ["open", "exit"]);
        const exit = r.stats[1];
        assert.ok(
          Number(exit.values.disk_dropped) >= 200,
          `disk_dropped=${exit.values.disk_dropped}`,
        );
        assert.equal(exit.values.disk_dropped, exit.values.events, "every exec line counted");
      } finally {
        await c.stop().catch(() => {});
      }
    } finally {
      await new Deno.Command("umount", { args: [dir] }).output();
    }
  });
});
