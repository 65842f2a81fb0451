import assert from "node:assert/strict";
import { closeSources, findClosedFiles, rotatedPattern } from "./sources.ts";

Deno.test("rotatedPattern() matches logrotate's names, not the live log or look-alikes", () => {
  const p = rotatedPattern("syscall_audit.log");
  for (
    const n of [
      "syscall_audit.log.1",
      "syscall_audit.log.2.gz",
      "syscall_audit.log-20261127",
      "syscall_audit.log-20261127.gz",
      "syscall_audit.log-2026-11-27",
      "syscall_audit.log-20261127-1764201600.gz",
    ]
  ) assert.ok(p.test(n), n);
  for (
    const n of [
      "syscall_audit.log",
      "syscall_audit.log.gz",
      "syscall_audit.log.1.tmp",
      "syscall_audit.logx.1",
      "syscall_audit.log.quarantine",
      "other.log.1",
      "syscall_audit.log.1\n",
      "syscall_audit.log-../x",
    ]
  ) assert.ok(!p.test(n), n);
});

Deno.test("findClosedFiles() skips the live log, young files and files open for writing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const old = new Date(Date.now() - 3_600_000);
    for (const n of ["syscall_audit.log", "syscall_audit.log.1", "syscall_audit.log.2.gz", "x.1"]) {
      await Deno.writeFile(
        `${dir}/${n}`,
        n.endsWith(".gz") ? new Uint8Array([0x1f, 0x8b]) : new Uint8Array(1),
      );
      await Deno.utime(`${dir}/${n}`, old, old);
    }
    await Deno.writeTextFile(`${dir}/syscall_audit.log-20261127`, "young\n");
    await Deno.writeTextFile(`${dir}/syscall_audit.log.3`, "held\n");
    await Deno.utime(`${dir}/syscall_audit.log.3`, old, old);
    // another process keeps .3 open for writing (as the collector does until it reopens)
    const holder = new Deno.Command("sh", {
      args: ["-c", `exec 3>>"$0"; echo ready; exec sleep 30`, `${dir}/syscall_audit.log.3`],
      stdout: "piped",
    }).spawn();
    const reader = holder.stdout.getReader();
    await reader.read();
    try {
      const { ready, busy } = await findClosedFiles(dir, "syscall_audit.log", { minAgeMs: 60_000 });
      assert.deepStrictEqual(ready.map((f) => [f.name, f.gz]).sort(), [
        ["syscall_audit.log.1", false],
        ["syscall_audit.log.2.gz", true],
      ]);
      const why = Object.fromEntries(busy.map((b) => [b.name, b.why]));
      assert.match(why["syscall_audit.log.3"], /open for writing by pid \d+/);
      assert.match(why["syscall_audit.log-20261127"], /modified \d+ s ago/);
      closeSources(ready);
    } finally {
      holder.kill();
      await holder.status;
      reader.releaseLock();
      await holder.stdout.cancel();
    }
    // closed now: it ships
    const after = await findClosedFiles(dir, "syscall_audit.log", { minAgeMs: 60_000 });
    assert.ok(after.ready.some((f) => f.name === "syscall_audit.log.3"));
    closeSources(after.ready);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findClosedFiles() refuses rotated names that are not our own regular files, without reading them", async () => {
  const dir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  try {
    const old = new Date(Date.now() - 3_600_000);
    const put = async (n: string, text: string, mode = 0o640, uid = 0) => {
      await Deno.writeTextFile(`${dir}/${n}`, text);
      await Deno.chmod(`${dir}/${n}`, mode);
      await Deno.chown(`${dir}/${n}`, uid, uid);
      await Deno.utime(`${dir}/${n}`, old, old);
    };
    await put("syscall_audit.log.1", "mine\n");
    await put("syscall_audit.log.2", "planted\n", 0o640, 65534);
    await put("syscall_audit.log.3", "anyone may write\n", 0o666);
    await put("syscall_audit.log.4", "group may write\n", 0o620);
    await Deno.writeTextFile(`${elsewhere}/secret`, "root's secret\n");
    await Deno.symlink(`${elsewhere}/secret`, `${dir}/syscall_audit.log.5`);
    assert.equal(
      (await new Deno.Command("mkfifo", { args: [`${dir}/syscall_audit.log.6`] }).output()).code,
      0,
    );
    assert.equal(
      (await new Deno.Command("mknod", { args: [`${dir}/syscall_audit.log.7`, "c", "1", "3"] })
        .output()).code,
      0,
    );
    await Deno.mkdir(`${dir}/syscall_audit.log.8`);
    const { ready, busy, refused } = await findClosedFiles(dir, "syscall_audit.log", {
      minAgeMs: 60_000,
    });
    try {
      assert.deepStrictEqual(ready.map((f) => f.name), ["syscall_audit.log.1"]);
      assert.deepStrictEqual(busy, []);
      assert.deepStrictEqual(refused, [
        { name: "syscall_audit.log.2", why: '"syscall_audit.log.2" is owned by uid 65534, not 0' },
        {
          name: "syscall_audit.log.3",
          why: '"syscall_audit.log.3" is writable by group or others (mode 666)',
        },
        {
          name: "syscall_audit.log.4",
          why: '"syscall_audit.log.4" is writable by group or others (mode 620)',
        },
        { name: "syscall_audit.log.5", why: '"syscall_audit.log.5" is a symlink' },
        { name: "syscall_audit.log.6", why: '"syscall_audit.log.6" is a FIFO' },
        { name: "syscall_audit.log.7", why: '"syscall_audit.log.7" is a device' },
        { name: "syscall_audit.log.8", why: '"syscall_audit.log.8" is a directory' },
      ]);
    } finally {
      closeSources(ready);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("findClosedFiles() holds at most maxOpen files open, the oldest; the rest wait", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let i = 1; i <= 5; i++) {
      await Deno.writeTextFile(`${dir}/syscall_audit.log.${i}`, `${i}\n`);
      // .5 is the oldest
      const t = new Date(Date.now() - 3_600_000 * (i + 1));
      await Deno.utime(`${dir}/syscall_audit.log.${i}`, t, t);
    }
    const { ready, busy } = await findClosedFiles(dir, "syscall_audit.log", { maxOpen: 2 });
    try {
      assert.deepStrictEqual(ready.map((f) => f.name), [
        "syscall_audit.log.5",
        "syscall_audit.log.4",
      ]);
      assert.deepStrictEqual(busy.map((b) => b.name), [
        "syscall_audit.log.3",
        "syscall_audit.log.2",
        "syscall_audit.log.1",
      ]);
      assert.match(busy[0].why, /^2 older files are open in this run already$/);
    } finally {
      closeSources(ready);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
