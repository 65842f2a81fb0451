/**
 * The real collector under faults: logrotate under an exec storm, kill -9
 * with a torn tail, a full disk. Needs root.
 */
import assert from "node:assert/strict";
import {
  assertExactlyOnce,
  buildExecs,
  Collector,
  delay,
  lineCount,
  records,
  storm,
  tally,
  waitFor,
} from "./live_helpers.ts";

Deno.test("collector loses and duplicates nothing across logrotate (create mode) under an exec storm", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-rot-" });
  const log = `${dir}/audit.log`;
  const c = new Collector(log);
  try {
    await c.ready();
    // rotation 1 signals the collector; rotation 2 relies on rename detection alone
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
    const marker = `rot${crypto.randomUUID().slice(0, 8)}`;
    const N = 12000;
    const running = storm(N, marker, 2);
    await waitFor(async () => (await lineCount(log)) > N / 4, 60_000, "a quarter of the storm");
    await rotate("hup.conf");
    await waitFor(async () => (await lineCount(log)) > N / 4, 60_000, "more of the storm");
    await rotate("rename.conf");
    const done = await running;
    assert.equal(done, N);
    await delay(300);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);

    const files = [`${log}.2`, `${log}.1`, log];
    for (const f of files) assert.equal((await Deno.stat(f)).mode! & 0o777, 0o600, f);
    const r = await records(...files);
    assert.deepEqual(r.bad, []);
    // every file got part of the storm
    for (const f of files) {
      assert.ok(tally((await records(f)).exec, marker).size > 0, `${f} has storm lines`);
    }
    assertExactlyOnce(tally(r.exec, marker), N, "across the rotation");
    assert.ok(r.stats.filter((s) => s.reason === "reopen").length >= 2, "two reopen records");
  } finally {
    await c.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector after kill -9: earlier lines intact, torn tail reported alone, capture resumes", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-kill-" });
  const log = `${dir}/audit.log`;
  const first = new Collector(log);
  let second: Collector | undefined;
  try {
    await first.ready();
    const m1 = `k1${crypto.randomUUID().slice(0, 8)}`;
    const running = storm(6000, m1, 2);
    await waitFor(async () => (await lineCount(log)) > 1000, 60_000, "storm lines");
    await first.kill9();
    await running;
    const before = await records(log);
    assert.deepEqual(before.bad, [], "kill -9 left only whole lines");
    // what a host crash leaves: the start of a line, no newline
    const lastLine = (await Deno.readTextFile(log)).trimEnd().split("\n").at(-1)!;
    await Deno.writeTextFile(log, lastLine.slice(0, 60), { append: true });

    second = new Collector(log);
    await second.ready();
    const m2 = `k2${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(500, m2, 2), 500);
    await delay(300);
    const st = await second.stop();
    assert.equal(st.code, 0, st.stderr);

    const after = await records(log);
    assert.equal(after.bad.length, 1, JSON.stringify(after.bad));
    assert.equal(after.bad[0].reason, "torn");
    // the lines from before the crash are all still there, unchanged
    assert.deepEqual(after.exec.slice(0, before.exec.length), before.exec);
    assertExactlyOnce(tally(after.exec, m2), 500, "after restart");
    const dup = [...tally(after.exec, m1)].filter(([, c]) => c > 1);
    assert.deepEqual(dup, []);
    const open = after.stats.filter((s) => s.reason === "open");
    assert.equal(open.at(-1)!.values.torn_closed, "1");
  } finally {
    await first.stop().catch(() => {});
    await second?.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

async function mountTmpfs(dir: string, size: string) {
  const out = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
  })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

async function umount(dir: string) {
  await new Deno.Command("umount", { args: [dir] }).output();
}

async function fill(path: string, leaveBytes: number, dir: string) {
  // grow a filler file until the free space is down to leaveBytes (or the disk is full)
  const { freeBytes } = await import("../scripts/collector/log_file.ts");
  const f = await Deno.open(path, { write: true, create: true, append: true });
  const chunk = new Uint8Array(64 * 1024);
  try {
    for (let free = freeBytes(dir); free > leaveBytes; free = freeBytes(dir)) {
      await f.write(chunk.subarray(0, Math.min(chunk.length, Math.max(4096, free - leaveBytes))));
    }
  } catch {
    // ENOSPC: full
  } finally {
    f.close();
  }
}

Deno.test("collector's low-disk guard drops and counts below the threshold, then resumes", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-disk-" });
  await mountTmpfs(dir, "8m");
  const log = `${dir}/audit.log`;
  const c = new Collector(log, ["--min-free-mb", "3"]);
  try {
    await c.ready();
    await fill(`${dir}/filler`, 2 * 1024 * 1024, dir);
    await delay(1500); // the guard looks once a second
    const mA = `dA${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(400, mA, 2), 400);
    await delay(500);
    await Deno.remove(`${dir}/filler`);
    await delay(1500);
    const mB = `dB${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(400, mB, 2), 400);
    await delay(300);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(log);
    assert.deepEqual(r.bad, []);
    assert.equal(tally(r.exec, mA).size, 0, "nothing written below the threshold");
    assertExactlyOnce(tally(r.exec, mB), 400, "after the guard lifted");
    const resume = r.stats.find((s) => s.reason === "resume");
    assert.ok(resume, "a resume record");
    assert.ok(
      Number(resume.values.disk_dropped) >= 400,
      `disk_dropped=${resume.values.disk_dropped}`,
    );
  } finally {
    await c.stop().catch(() => {});
    await umount(dir);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector survives a full disk: lost lines counted, no glued lines, writing resumes", async () => {
  await buildExecs();
  const dir = await Deno.makeTempDir({ prefix: "sa-full-" });
  await mountTmpfs(dir, "4m");
  const log = `${dir}/audit.log`;
  const c = new Collector(log, ["--min-free-mb", "0"]);
  try {
    await c.ready();
    await fill(`${dir}/filler`, 0, dir);
    const mC = `fC${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(300, mC, 2), 300);
    await delay(500);
    await Deno.remove(`${dir}/filler`);
    const mD = `fD${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await storm(300, mD, 2), 300);
    await delay(300);
    const st = await c.stop();
    assert.equal(st.code, 0, st.stderr);
    const r = await records(log);
    assert.ok(r.bad.length <= 1, `at most one torn fragment: ${JSON.stringify(r.bad)}`);
    assertExactlyOnce(tally(r.exec, mD), 300, "after space came back");
    const exit = r.stats.find((s) => s.reason === "exit")!;
    const lostC = 300 - tally(r.exec, mC).size;
    assert.ok(
      Number(exit.values.write_lost) >= lostC,
      `write_lost=${exit.values.write_lost} < ${lostC}`,
    );
    assert.ok(lostC > 0, "the full disk cost lines");
  } finally {
    await c.stop().catch(() => {});
    await umount(dir);
    await Deno.remove(dir, { recursive: true });
  }
});
