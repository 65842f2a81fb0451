/**
 * The log writer on real files, a real tmpfs and a real ext4 image (root).
 */
import { concatBytes } from "../lib/text_bytes.ts";
import assert from "node:assert/strict";
import { AuditLogFile, freeBytes } from "./log_file.ts";

const te = new TextEncoder();
const td = new TextDecoder();

async function withDir(fn: (dir: string) => Promise<void> | void, prefix = "sa-lf-") {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function sh(cmd: string, ...args: string[]) {
  const out = await new Deno.Command(cmd, { args }).output();
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${td.decode(out.stderr)}`);
}

function lines(...l: string[]): Uint8Array {
  return te.encode(l.map((x) => x + "\n").join(""));
}

Deno.test("AuditLogFile.open() refuses a symlink at the log path and leaves its target alone", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/passwd`;
    await Deno.writeTextFile(target, "root:x:0:0::/root:/bin/sh\n");
    await Deno.chmod(target, 0o644);
    await Deno.symlink(target, `${dir}/audit.log`);
    const log = new AuditLogFile(`${dir}/audit.log`);
    assert.throws(() => log.open(), {
      message: `Cannot open log "${dir}/audit.log": a symbolic link`,
    });
    log.close();
    const st = await Deno.stat(target);
    assert.equal(st.mode! & 0o777, 0o644);
    assert.equal(await Deno.readTextFile(target), "root:x:0:0::/root:/bin/sh\n");
  });
});

Deno.test("AuditLogFile.open() refuses a FIFO at the log path without waiting for a reader", async () => {
  await withDir(async (dir) => {
    await sh("mkfifo", `${dir}/audit.log`);
    const log = new AuditLogFile(`${dir}/audit.log`);
    assert.throws(() => log.open(), {
      message: `Cannot open log "${dir}/audit.log": not a regular file (fifo)`,
    });
    log.close();
  });
});

Deno.test("AuditLogFile.open() makes the log and its lock 0600 root, through the descriptor", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    await Deno.writeTextFile(path, "old\n");
    await Deno.chmod(path, 0o644);
    await Deno.chown(path, 65534, 65534);
    const log = new AuditLogFile(path);
    log.open();
    try {
      for (const p of [path, `${path}.lock`]) {
        const st = await Deno.lstat(p);
        assert.ok(st.isFile, p);
        assert.equal(st.mode! & 0o7777, 0o600, p);
        assert.equal(st.uid, 0, p);
        assert.equal(st.gid, 0, p);
      }
      assert.equal(await Deno.readTextFile(`${path}.lock`), `${Deno.pid}\n`);
    } finally {
      log.close();
    }
  });
});

Deno.test("AuditLogFile.open() refuses a second writer of the same log, naming the holder's pid", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    const a = new AuditLogFile(path);
    a.open();
    try {
      const b = new AuditLogFile(path);
      assert.throws(() => b.open(), {
        message: `Cannot start: another collector (pid ${Deno.pid}) holds "${path}.lock"`,
      });
      b.close();
      // the lock stays with the path across a rename of the log
      await Deno.rename(path, `${path}.1`);
      assert.ok(a.reopen());
      const c = new AuditLogFile(path);
      assert.throws(() => c.open(), /another collector/);
      c.close();
    } finally {
      a.close();
    }
    // released by close()
    const d = new AuditLogFile(path);
    d.open();
    d.close();
  });
});

Deno.test("AuditLogFile.open() refuses a symlink at the lock path and leaves its target alone", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/shadow`;
    await Deno.writeTextFile(target, "secret\n");
    await Deno.chmod(target, 0o640);
    await Deno.symlink(target, `${dir}/audit.log.lock`);
    const log = new AuditLogFile(`${dir}/audit.log`);
    assert.throws(() => log.open(), {
      message: `Cannot open lock "${dir}/audit.log.lock": a symbolic link`,
    });
    log.close();
    assert.equal((await Deno.stat(target)).mode! & 0o777, 0o640);
    assert.equal(await Deno.readTextFile(target), "secret\n");
    await assert.rejects(Deno.lstat(`${dir}/audit.log`), Deno.errors.NotFound);
  });
});

Deno.test("AuditLogFile.open() refuses a directory others can write to without the sticky bit", async () => {
  await withDir(async (dir) => {
    await Deno.chmod(dir, 0o777);
    const log = new AuditLogFile(`${dir}/audit.log`);
    assert.throws(() => log.open(), {
      message: `Cannot open log "${dir}/audit.log": directory "${dir}": ` +
        "writable by others without the sticky bit (mode 0777)",
    });
    log.close();
    // sticky (as /tmp): allowed, but not another user's file there
    await Deno.chmod(dir, 0o1777);
    await Deno.writeTextFile(`${dir}/audit.log`, "");
    await Deno.chown(`${dir}/audit.log`, 65534, 65534);
    assert.throws(() => log.open(), /owned by uid 65534 in a directory others can write to/);
    log.close();
    await Deno.remove(`${dir}/audit.log`);
    log.open();
    log.close();
    // group-writable: a warning
    await Deno.chmod(dir, 0o770);
    const warnings: string[] = [];
    const g = new AuditLogFile(`${dir}/audit.log`, { onWarning: (m) => warnings.push(m) });
    g.open();
    g.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /directory is writable by group 0 \(mode 0770\)/);
  });
});

Deno.test("AuditLogFile.write() reports exactly the bytes that reached the file, torn-tail LF included", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    await Deno.writeTextFile(path, "E2\twhole\t.\nE2\ttorn");
    const seen: number[] = [];
    const log = new AuditLogFile(path, { onWritten: (b) => seen.push(...b) });
    log.open();
    try {
      assert.equal(log.counters.torn_closed, 1);
      assert.ok(log.write(lines("E2\ta\t.", "S1\tb\t."), 2));
      assert.ok(log.write(lines("E2\tc\t."), 1));
    } finally {
      log.close();
    }
    const file = await Deno.readFile(path);
    const before = te.encode("E2\twhole\t.\nE2\ttorn").length;
    assert.equal(td.decode(file.subarray(before)), "\nE2\ta\t.\nS1\tb\t.\nE2\tc\t.\n");
    assert.deepEqual(new Uint8Array(seen), file.subarray(before));
  });
});

async function withTmpfs(opts: string, fn: (dir: string) => Promise<void>) {
  await withDir(async (dir) => {
    await sh("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir);
    try {
      await fn(dir);
    } finally {
      await sh("umount", dir);
    }
  }, "sa-lft-");
}

Deno.test("AuditLogFile.write() reports the written prefix of a partial write on a full disk", async () => {
  await withTmpfs("size=1m,mode=0755", async (dir) => {
    const path = `${dir}/audit.log`;
    const seen: Uint8Array[] = [];
    const log = new AuditLogFile(path, { minFreeBytes: 0, onWritten: (b) => seen.push(b.slice()) });
    log.open();
    try {
      const line = "E2\t" + "x".repeat(1000) + "\t.";
      const n = 2000; // 2 MB: more than the file system holds
      assert.equal(log.write(lines(...Array(n).fill(line)), n), false);
      const file = await Deno.readFile(path);
      assert.ok(file.length > 0 && file.length < n * 1003, `${file.length} bytes`);
      assert.ok(seen.length >= 1);
      assert.deepEqual(concatBytes(seen), file);
      const whole = file.filter((b) => b === 0x0a).length;
      assert.equal(log.counters.write_lost, n - whole);
    } finally {
      log.close();
    }
  });
});

Deno.test("AuditLogFile.reopen() keeps the old file when the reopen fails, then recovers", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    const warnings: string[] = [];
    const log = new AuditLogFile(path, { reopenRetryMs: 0, onWarning: (m) => warnings.push(m) });
    log.open();
    try {
      assert.ok(log.write(lines("E2\tbefore\t."), 1));
      // logrotate renamed the log; then something put a directory in its place
      await Deno.rename(path, `${path}.1`);
      await Deno.mkdir(path);
      assert.ok(log.rotated());
      assert.equal(log.reopen(), false);
      assert.equal(log.reopen(), false);
      assert.equal(log.counters.reopen_failures, 2);
      assert.equal(warnings.length, 1, "warned once");
      assert.equal(
        warnings[0],
        `Cannot open log "${path}": not a regular file (directory); still writing to the old file, retrying every 0 s`,
      );
      assert.equal(log.takeRecovered(), false);
      assert.ok(log.write(lines("E2\tduring\t."), 1));
      await Deno.remove(path);
      assert.ok(log.reopen());
      assert.equal(log.takeRecovered(), true);
      assert.equal(log.takeRecovered(), false, "once");
      assert.ok(log.write(lines("E2\tafter\t."), 1));
      assert.equal(log.counters.reopens, 1);
    } finally {
      log.close();
    }
    assert.equal(await Deno.readTextFile(`${path}.1`), "E2\tbefore\t.\nE2\tduring\t.\n");
    assert.equal(await Deno.readTextFile(path), "E2\tafter\t.\n");
  });
});

Deno.test("AuditLogFile.write() holds the lines for the next file while a reopen fails and the old file is deleted", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    const seen: Uint8Array[] = [];
    const log = new AuditLogFile(path, {
      reopenRetryMs: 0,
      holdBytes: 40,
      onWarning: () => {},
      onWritten: (b) => seen.push(b.slice()),
    });
    log.open();
    try {
      await Deno.remove(path);
      await Deno.mkdir(path);
      assert.equal(log.reopen(), false);
      assert.ok(log.write(lines("E2	held1	."), 1));
      assert.ok(log.write(lines("S1	held2	."), 1));
      assert.equal(log.write(lines("E2	" + "x".repeat(30) + "	."), 1), false, "past holdBytes");
      assert.equal(log.counters.write_lost, 1);
      assert.deepEqual(seen, [], "nothing reached a file");
      await Deno.remove(path);
      assert.ok(log.reopen());
      assert.ok(log.write(lines("E2	after	."), 1));
    } finally {
      log.close();
    }
    const file = await Deno.readTextFile(path);
    assert.equal(file, "E2\theld1\t.\nS1\theld2\t.\nE2\tafter\t.\n");
    assert.equal(td.decode(concatBytes(seen)), file);
  });
});

Deno.test("AuditLogFile.reopen() retries a failing reopen at most once per reopenRetryMs", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/audit.log`;
    const log = new AuditLogFile(path, { reopenRetryMs: 3_600_000, onWarning: () => {} });
    log.open();
    try {
      await Deno.rename(path, `${path}.1`);
      const passwd = await Deno.stat("/etc/passwd");
      await Deno.symlink("/etc/passwd", path);
      assert.equal(log.reopen(), false);
      const after = await Deno.stat("/etc/passwd");
      assert.deepEqual([after.mode, after.uid, after.size], [passwd.mode, passwd.uid, passwd.size]);
      await Deno.remove(path);
      assert.equal(log.reopen(), false, "not tried again within the hour");
      assert.equal(log.counters.reopen_failures, 1);
    } finally {
      log.close();
    }
  });
});

Deno.test("AuditLogFile.write() lets S1 lines through the low-disk guard and counts the rest", async () => {
  await withTmpfs("size=4m,mode=0755", async (dir) => {
    const path = `${dir}/audit.log`;
    const warnings: string[] = [];
    const log = new AuditLogFile(path, {
      minFreeBytes: 64 * 1024 * 1024,
      onWarning: (m) => warnings.push(m),
    });
    log.open();
    try {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /holds 4\.0 MiB, less than the low-disk threshold of 64\.0 MiB/);
      assert.equal(log.checkDisk(), false);
      const data = lines("E2\ta\t.", "S1\tx\t.", "E2\tb\t.", "E2\tc\t.", "S1\ty\t.");
      assert.equal(log.write(data, 5), false);
      assert.equal(log.counters.disk_dropped, 3);
      assert.equal(log.write(lines("E2\td\t."), 1), false);
      assert.equal(log.counters.disk_dropped, 4);
    } finally {
      log.close();
    }
    assert.equal(await Deno.readTextFile(path), "S1\tx\t.\nS1\ty\t.\n");
  });
});

Deno.test("AuditLogFile.checkDisk() counts root's reserved blocks for a root writer", async () => {
  await withDir(async (dir) => {
    const img = `${dir}/fs.img`;
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    await sh("truncate", "-s", "32M", img);
    await sh("mkfs.ext4", "-q", "-m", "50", img); // half the blocks reserved for root
    await sh("mount", "-o", "loop", img, mnt);
    try {
      const root = freeBytes(mnt, true);
      const user = freeBytes(mnt, false);
      assert.ok(root > user + 8 * 1024 * 1024, `root ${root}, others ${user}`);
      assert.equal(freeBytes(mnt), root, "freeBytes() counts as the collector does (root)");
      // a threshold between the two: others would be blind, root writes
      const log = new AuditLogFile(`${mnt}/audit.log`, {
        minFreeBytes: Math.floor((root + user) / 2),
      });
      log.open();
      try {
        assert.equal(log.checkDisk(), true);
        assert.ok(log.write(lines("E2\ta\t."), 1));
      } finally {
        log.close();
      }
    } finally {
      await sh("umount", mnt);
    }
  }, "sa-lfe-");
});
