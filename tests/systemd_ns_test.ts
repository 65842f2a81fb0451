/**
 * Tests of the SystemdNamespace test helper itself (root; boots a real systemd 252 in namespaces).
 *
 * @module
 */

import assert from "node:assert/strict";
import { SystemdNamespace } from "./systemd_ns.ts";

const UNIT = "sa-ns-hardened.service";
const EVENTS = "/var/log/sa-ns-hardened.events";

// Every option the syscall-audit unit is going to use; DefaultDependencies stays on (= yes) so
// that the masking of sysinit.target & co. is exercised too.
const UNIT_TEXT = `[Unit]
Description=SystemdNamespace hardened test service

[Service]
ExecStart=/bin/bash -c 'trap "echo term $$$$ >> ${EVENTS}; exit 0" TERM; \
echo "sa-ns started $$$$"; echo "start $$$$" >> ${EVENTS}; sleep infinity & wait'
CPUQuota=20%
MemoryMax=64M
Nice=10
IOSchedulingClass=idle
CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH
AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/log
ProtectHome=yes
PrivateTmp=yes
ProtectKernelModules=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
SystemCallFilter=@system-service bpf perf_event_open
`;

// CAP_DAC_READ_SEARCH (2), CAP_PERFMON (38), CAP_BPF (39)
const CAP_EFF = ((1n << 2n) | (1n << 38n) | (1n << 39n)).toString(16).padStart(16, "0");

const mountTable = () =>
  Deno.readTextFileSync("/proc/self/mountinfo").split("\n").filter((l) => l).sort();
const listDir = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const exists = (path: string) => {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("SystemdNamespace.boot() starts a hardened unit and restart sends SIGTERM", async () => {
  const marker = await Deno.makeTempFile({ dir: "/tmp", prefix: "sa-systemd-ns-marker-" });
  const mountsBefore = mountTable();
  const hostUnits = listDir("/etc/systemd/system");
  assert.ok(!exists(`/etc/systemd/system/${UNIT}`) && !exists(EVENTS));

  const ns = await SystemdNamespace.boot();
  try {
    assert.ok(ns.bootMs < 10_000, `boot took ${ns.bootMs} ms`);
    assert.ok(exists(marker), "host /tmp marker gone after boot");
    assert.deepEqual(mountTable(), mountsBefore, "namespace mounts leaked into the host");
    const sh = async (script: string) => {
      const r = await ns.run(["sh", "-c", script]);
      assert.equal(r.code, 0, `${script}: ${r.stderr}`);
      return r.stdout.trim();
    };

    // Nothing of sysinit/multi-user ran; the dangerous units are masked.
    for (const u of ["systemd-tmpfiles-setup.service", "auditd.service", "cron.service"]) {
      const r = await ns.systemctl("show", "-p", "LoadState", "-p", "ActiveState", u);
      assert.equal(r.stdout, "LoadState=masked\nActiveState=inactive\n", u);
    }
    assert.equal(
      (await ns.systemctl("is-active", "systemd-journald.service")).stdout.trim(),
      "active",
    );

    await ns.writeFile(`/etc/systemd/system/${UNIT}`, UNIT_TEXT);
    assert.equal((await ns.systemctl("daemon-reload")).code, 0);
    const start = await ns.systemctl("start", UNIT);
    assert.equal(start.code, 0, start.stderr);

    // MainPID is bash after exec (before that /proc/<pid>/status is systemd's pre-exec child).
    const mainPid = () =>
      ns.systemctl("show", "-p", "MainPID", "--value", UNIT).then((r) => Number(r.stdout.trim()));
    const running = async (notPid = 0) => {
      const pid = await mainPid();
      if (!pid || pid === notPid) return undefined;
      const status = (await ns.run(["cat", `/proc/${pid}/status`])).stdout;
      return /^Name:\s+bash$/m.test(status) ? { pid, status } : undefined;
    };
    const first = await waitFor("hardened unit running", () => running());
    assert.equal((await ns.systemctl("is-active", UNIT)).stdout.trim(), "active");
    assert.match(first.status, new RegExp(`^CapEff:\\s+${CAP_EFF}$`, "m"));
    assert.match(first.status, new RegExp(`^CapAmb:\\s+${CAP_EFF}$`, "m"));
    assert.match(first.status, /^NoNewPrivs:\s+1$/m);
    assert.match(first.status, /^Seccomp:\s+2$/m);

    const pid = first.pid;
    // the events so far ("" before the first line); "start" is written once the TERM trap is set
    const events = async () => (await ns.run(["cat", EVENTS])).stdout.trim();
    await waitFor(
      "start event of the first main process",
      async () => (await events()).includes(`start ${pid}`) ? true : undefined,
    );
    const cg = `/sys/fs/cgroup/memory/system.slice/${UNIT}`;
    if (await ns.run(["test", "-d", cg]).then((r) => r.code === 0)) {
      assert.equal(await sh(`cat ${cg}/memory.limit_in_bytes`), String(64 << 20));
      assert.equal(
        await sh(`cat /sys/fs/cgroup/cpu/system.slice/${UNIT}/cpu.cfs_quota_us`),
        "20000",
      );
    } else {
      assert.equal(
        await sh(`cat /sys/fs/cgroup/system.slice/${UNIT}/memory.max`),
        String(64 << 20),
      );
      assert.equal(await sh(`cat /sys/fs/cgroup/system.slice/${UNIT}/cpu.max`), "20000 100000");
    }
    assert.equal(await sh(`cut -d' ' -f19 /proc/${pid}/stat`), "10");
    assert.equal(await sh(`ionice -p ${pid}`), "idle");
    const mounts = new Map(
      (await sh(`cat /proc/${pid}/mountinfo`)).split("\n").map((l) => {
        const f = l.split(" ");
        return [f[4], { root: f[3], opts: f[5] }] as const;
      }),
    );
    assert.match(mounts.get("/")!.opts, /^ro\b/, "ProtectSystem=strict");
    assert.match(mounts.get("/var/log")!.opts, /^rw\b/, "ReadWritePaths=/var/log");
    assert.match(mounts.get("/etc")!.opts, /^ro\b/);
    assert.match(mounts.get("/proc/sys")!.opts, /^ro\b/, "ProtectKernelTunables");
    assert.match(mounts.get("/sys/fs/cgroup")!.opts, /^ro\b/, "ProtectControlGroups");
    assert.match(mounts.get("/tmp")!.root, /systemd-private-.*-sa-ns-hardened\.service-/);
    assert.match(mounts.get("/root")!.root, /inaccessible/, "ProtectHome");

    // Only mounts/slices/scopes/targets, journald and our unit are active: sysinit.target &
    // co. were pulled in by the default dependencies, but everything they want is masked.
    const active = (await ns.systemctl("list-units", "--state=active", "--plain", "--no-legend"))
      .stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter((u) => u);
    assert.deepEqual(
      active.filter((u) => !/\.(mount|slice|scope|target)$/.test(u)).sort(),
      ["systemd-journald.service", "systemd-journald.socket", UNIT].sort(),
    );

    const restart = await ns.systemctl("restart", UNIT);
    assert.equal(restart.code, 0, restart.stderr);
    const second = await waitFor("restarted unit running", () => running(pid));
    const after = await waitFor("start event of the new main process", async () => {
      const text = await events();
      return text.includes(`start ${second.pid}`) ? text : undefined;
    });
    assert.deepEqual(after.split("\n"), [`start ${pid}`, `term ${pid}`, `start ${second.pid}`]);
    const journal = await ns.run(["journalctl", "--no-pager", "-o", "cat", "-u", UNIT]);
    assert.match(journal.stdout, new RegExp(`sa-ns started ${second.pid}`));

    // Everything written inside went to the overlay upper dirs, not to the host.
    assert.ok(exists(`${ns.upperOf("/etc")}/systemd/system/${UNIT}`));
    assert.ok(exists(`${ns.upperOf("/var")}/log/sa-ns-hardened.events`));
    assert.ok(!exists(`/etc/systemd/system/${UNIT}`) && !exists(EVENTS));
    assert.deepEqual(mountTable(), mountsBefore, "namespace mounts leaked into the host");
  } finally {
    await ns.shutdown();
  }

  await ns.shutdown(); // idempotent
  await assert.rejects(() => ns.run(["true"]), /shut down/);
  assert.ok(!exists(`/proc/${ns.pid}`), "systemd still alive");
  assert.ok(!exists(ns.dir), "temp dir left behind");
  assert.deepEqual(ns.cgroups.filter(exists), [], "cgroups left behind");
  assert.ok(exists(marker), "host /tmp marker gone after shutdown");
  assert.deepEqual(listDir("/etc/systemd/system"), hostUnits);
  assert.deepEqual(mountTable(), mountsBefore);
  await Deno.remove(marker);
});

Deno.test("SystemdNamespace.boot() fails with the console log and cleans up on timeout", async () => {
  const err = await SystemdNamespace.boot({ timeoutMs: 1 }).then(
    () => assert.fail("boot should have timed out"),
    (e: Error) => e,
  );
  const m = err.message.match(/^SystemdNamespace\.boot\(\) \((\/[^)]+)\): /);
  assert.ok(m, err.message);
  assert.match(err.message, /--- console\.log \(tail\) ---/);
  const dir = m[1];
  assert.ok(!exists(dir), "temp dir left behind");
  const cgroupName = `sa-ns-${dir.split("/").pop()}`;
  const leftovers: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of Deno.readDirSync(d)) {
      if (!e.isDirectory) continue;
      if (e.name === cgroupName) leftovers.push(`${d}/${e.name}`);
      else if (depth < 4) walk(`${d}/${e.name}`, depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  assert.deepEqual(leftovers, []);
});
