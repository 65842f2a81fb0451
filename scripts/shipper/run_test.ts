import assert from "node:assert/strict";
import { EXIT, run } from "./run.ts";

/** a URL nothing listens on: these cases must not need HDFS */
const DEAD = "webhdfs://127.0.0.1:1/audit/raw";

async function setup(mode: number, uid = 0) {
  const tmp = await Deno.makeTempDir();
  const from = `${tmp}/log`;
  await Deno.mkdir(from);
  await Deno.chmod(from, mode);
  await Deno.chown(from, uid, uid);
  const old = new Date(Date.now() - 3_600_000);
  await Deno.writeTextFile(`${from}/syscall_audit.log.1`, "E1\t1795849501123456789\tx\n");
  await Deno.utime(`${from}/syscall_audit.log.1`, old, old);
  return { tmp, from, state: `${tmp}/state` };
}

for (
  const [what, mode, uid, why] of [
    ["world-writable", 0o777, 0, /is writable by group or others and not sticky \(mode 777\)/],
    ["someone else's", 0o755, 65534, /is owned by uid 65534, not 0/],
  ] as const
) {
  Deno.test(`run() does nothing in a ${what} --from directory (exit 78)`, async () => {
    const { tmp, from, state } = await setup(mode, uid);
    try {
      const lines: string[] = [];
      const r = await run({
        from,
        to: DEAD,
        stateDir: state,
        host: "h",
        warn: (l) => lines.push(l),
      });
      assert.equal(r.exitCode, EXIT.CONFIG);
      assert.equal(lines.length, 1);
      assert.match(
        lines[0],
        new RegExp(`^ship: --from directory "${from}" ${why.source}; nothing done$`),
      );
      assert.match(r.summary, /shipped 0 files/);
      // nothing read, nothing deleted, no state made
      assert.deepStrictEqual([...Deno.readDirSync(from)].map((e) => e.name), [
        "syscall_audit.log.1",
      ]);
      assert.equal(await Deno.stat(state).then(() => true, () => false), false);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

Deno.test("run() in a group-writable --from (Ubuntu's root:syslog 0775) warns once and still checks each file", async () => {
  const { tmp, from, state } = await setup(0o775);
  try {
    await Deno.chown(`${from}/syscall_audit.log.1`, 65534, 65534);
    // a second name for a root file elsewhere (same file system as the temp dir)
    await Deno.writeTextFile(`${tmp}/secret`, "E1\t1795849501123456789\tx\n");
    await Deno.link(`${tmp}/secret`, `${from}/syscall_audit.log.2`);
    const old = new Date(Date.now() - 3_600_000);
    await Deno.utime(`${from}/syscall_audit.log.2`, old, old);
    const lines: string[] = [];
    const r = await run({ from, to: DEAD, stateDir: state, host: "h", warn: (l) => lines.push(l) });
    assert.match(
      lines[0],
      /^ship: warning: --from directory ".*" is writable by group or others and not sticky \(mode 775\); its files are checked one by one$/,
    );
    assert.ok(
      lines.some((l) => /refused "syscall_audit\.log\.1" is owned by uid 65534/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => /refused "syscall_audit\.log\.2" .*has 2 hard links/.test(l)),
      lines.join("\n"),
    );
    assert.notEqual(r.exitCode, EXIT.CONFIG);
    assert.ok([...Deno.readDirSync(from)].some((e) => e.name === "syscall_audit.log.1"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run() in a sticky world-writable --from refuses the planted files, one line each (exit 66)", async () => {
  const { tmp, from, state } = await setup(0o1777);
  try {
    await Deno.chown(`${from}/syscall_audit.log.1`, 65534, 65534);
    await Deno.symlink("/etc/passwd", `${from}/syscall_audit.log.2`);
    const lines: string[] = [];
    const r = await run({ from, to: DEAD, stateDir: state, host: "h", warn: (l) => lines.push(l) });
    assert.equal(r.exitCode, EXIT.NOINPUT);
    assert.deepStrictEqual(lines, [
      'ship: refused "syscall_audit.log.1" is owned by uid 65534, not 0; not read, left in place',
      'ship: refused "syscall_audit.log.2" is a symlink; not read, left in place',
    ]);
    assert.match(r.summary, /shipped 0 files .* 2 refused, 0 quarantined, 0 failed, 0 deleted/);
    assert.deepStrictEqual(r.refused.map((f) => f.name), [
      "syscall_audit.log.1",
      "syscall_audit.log.2",
    ]);
    assert.deepStrictEqual(
      [...Deno.readDirSync(from)].map((e) => e.name).sort(),
      ["syscall_audit.log.1", "syscall_audit.log.2"],
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
