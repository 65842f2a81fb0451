/**
 * The Puppet module applied to `/` of a host whose PID 1 is a real systemd (a private PID and
 * mount namespace with copy-on-write overlays, tests/systemd_ns.ts): the hardened unit runs the
 * real collector on the real kernel, `systemd-analyze verify` accepts it, the fact runs the
 * installed `--check`, a release change restarts the collector with SIGTERM, logrotate driven by
 * the rendered rule loses and duplicates no exec, and `ensure => absent` removes it all.
 */

import assert from "node:assert/strict";
import type { ExecEvent, StatsEvent } from "../scripts/logformat/mod.ts";
import { rotatedPattern } from "../scripts/shipper/sources.ts";
import {
  assertExactlyOnce,
  buildExecs,
  delay,
  records,
  storm,
  tally,
  waitFor,
} from "./live_helpers.ts";
import { applyArgs, buildRelease, MODULE, quiet, RELEASES } from "./puppet_helpers.ts";
import { DEFAULT_PIN_DIR } from "../scripts/collector/bpf_loader.ts";
import { SystemdNamespace } from "./systemd_ns.ts";
import { byKey, csvRows, inMemory } from "./analyze_helpers.ts";
import { generateDay } from "./support/gen_day.ts";
import { findSparkHome } from "../scripts/analyze/run.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const UNIT = "syscall-audit-collector.service";
const LOG = "/var/log/syscall_audit.log";

function manifest(extra = ""): string {
  return `class { 'syscall_audit':
  release_source => 'file://${RELEASES}',
  rotate_minute  => 7,
  ${extra}
}
`;
}

/** `puppet apply` inside the namespace, with its own Puppet state in the namespace's /tmp. */
async function puppetApplyIn(ns: SystemdNamespace, manifest: string) {
  const r = await ns.run(["puppet", ...applyArgs("/tmp/puppet"), "-e", manifest]);
  const output = quiet(r.stdout + r.stderr);
  return { code: r.code, output };
}

/** CAP_* bit numbers (linux/capability.h). */
const CAP = { SYS_RESOURCE: 24, PERFMON: 38, BPF: 39 };

Deno.test("class syscall_audit on a systemd host: hardened collector, restart by SIGTERM on a new release, rotation loses nothing, absent removes all", async () => {
  await buildExecs();
  await buildRelease();
  await buildRelease("0.2.0+t2");
  // the unit pins the collector's counters in the host's bpffs (shared with the namespace)
  const pinned = await Deno.stat(DEFAULT_PIN_DIR).then(() => true, () => false);
  const ns = await SystemdNamespace.boot();
  try {
    const apply = (m: string) => puppetApplyIn(ns, m);
    const sh = async (script: string) => {
      const r = await ns.run(["sh", "-c", script]);
      assert.equal(r.code, 0, `${script}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const mainPid = async () =>
      Number((await sh(`systemctl show -p MainPID --value ${UNIT}`)).trim());
    /** Every record of the live log and its rotated files, read in the namespace's /var overlay. */
    const logDir = `${ns.upperOf("/var")}/log`;
    const logRecords = async () => {
      const names = [...Deno.readDirSync(logDir)].map((e) => e.name).filter((n) =>
        n === "syscall_audit.log" || rotatedPattern("syscall_audit.log").test(n)
      );
      const exec: ExecEvent[] = [];
      const stats: StatsEvent[] = [];
      const perFile = new Map<string, ExecEvent[]>();
      for (const n of names) {
        const r = await records(`${logDir}/${n}`);
        assert.deepEqual(r.bad, [], `${n}: whole, decodable lines only`);
        exec.push(...r.exec);
        stats.push(...r.stats);
        perFile.set(n, r.exec);
      }
      return { names, exec, stats, perFile };
    };

    // --- install: the service runs, hardened, with only the BPF capabilities
    const first = await apply(manifest());
    assert.equal(first.code, 2, first.output);
    assert.equal((await sh(`systemctl is-active ${UNIT}`)).trim(), "active");
    assert.equal((await sh(`systemctl is-enabled ${UNIT}`)).trim(), "enabled");
    const pid1 = await mainPid();
    assert.ok(pid1 > 0);
    const status = await sh(`cat /proc/${pid1}/status`);
    const caps = (name: string) =>
      BigInt("0x" + new RegExp(`^${name}:\\s*([0-9a-f]+)`, "m").exec(status)![1]);
    // what the unit grants, within what this VM has at all (it has no CAP_SYS_RESOURCE)
    const hostBnd = BigInt(
      "0x" + /^CapBnd:\s*([0-9a-f]+)/m.exec(await Deno.readTextFile("/proc/self/status"))![1],
    );
    const want = ((1n << BigInt(CAP.BPF)) | (1n << BigInt(CAP.PERFMON)) |
      (1n << BigInt(CAP.SYS_RESOURCE))) & hostBnd;
    assert.ok(want & (1n << BigInt(CAP.BPF)), "the host has CAP_BPF");
    assert.equal(caps("CapEff"), want, status);
    assert.equal(caps("CapBnd"), want, status);
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.match(status, /^Seccomp:\s+2$/m);
    const props = await sh(
      `systemctl show -p CPUQuotaPerSecUSec -p MemoryMax -p Nice -p IOSchedulingClass -p ProtectSystem -p KillSignal ${UNIT}`,
    );
    for (
      const p of [
        "CPUQuotaPerSecUSec=250ms",
        `MemoryMax=${128 * 1024 * 1024}`,
        "Nice=10",
        "IOSchedulingClass=3",
        "ProtectSystem=strict",
        "KillSignal=15",
      ]
    ) assert.ok(props.split("\n").includes(p), `${p} in\n${props}`);
    const verify = await ns.run([
      "systemd-analyze",
      "verify",
      "--man=no",
      `/etc/systemd/system/${UNIT}`,
    ]);
    assert.equal(verify.code, 0, `systemd-analyze verify: ${verify.stdout}${verify.stderr}`);
    assert.equal(verify.stderr.trim(), "", "systemd-analyze verify has no complaint");
    // the log: root-only, capturing
    await waitFor(
      async () => (await logRecords()).stats.some((s) => s.reason === "open"),
      30_000,
      "the collector's open record",
    );
    assert.equal((await sh(`stat -c %a:%U ${LOG}`)).trim(), "600:root");

    // the fact now runs the installed collector's own --check, under Puppet's facter
    const fact = await ns.run([
      "facter",
      "--json",
      "--custom-dir",
      `${MODULE}/lib/facter`,
      "syscall_audit",
    ]);
    const audit = JSON.parse(fact.stdout).syscall_audit;
    assert.equal(audit.installed, true, fact.stdout + fact.stderr);
    assert.equal(audit.check, "supported: this host can run the collector");
    assert.equal(audit.status, "supported");

    const second = await apply(manifest());
    assert.equal(second.code, 0, `second apply changed something:\n${second.output}`);
    assert.equal(await mainPid(), pid1, "an apply without changes does not restart");

    // --- execs of storm 1, rotations by the rendered rule (as cron runs it, forced), a new release
    const m1 = `pa${crypto.randomUUID().slice(0, 8)}`;
    const N1 = 6000;
    const rotate = async () => {
      const conf = await sh(`cat /etc/cron.d/syscall-audit-rotate`);
      const cmd = /^7 \* \* \* \* root (logrotate .*)$/m.exec(conf)![1];
      await sh(cmd.replace("logrotate ", "logrotate --force "));
      await delay(1100); // rotated names carry the second (dateformat -%Y%m%d-%s)
    };
    const running = storm(N1, m1, 2);
    await delay(400);
    await rotate();
    await delay(300);
    await rotate();
    assert.equal(await running, N1);
    await delay(1500);

    const upgrade = manifest("version        => '0.2.0+t2',");
    const up = await apply(upgrade);
    assert.equal(up.code, 2, up.output);
    const pid2 = await mainPid();
    assert.ok(pid2 > 0 && pid2 !== pid1, `restarted: ${pid1} -> ${pid2}`);
    assert.equal((await apply(upgrade)).code, 0);

    const m2 = `pb${crypto.randomUUID().slice(0, 8)}`;
    const N2 = 3000;
    await waitFor(
      async () => (await logRecords()).stats.some((s) => s.values.version === "0.2.0+t2"),
      30_000,
      "the new release's open record",
    );
    const running2 = storm(N2, m2, 2);
    await delay(300);
    await rotate();
    assert.equal(await running2, N2);
    await delay(1500);
    await sh(`systemctl stop ${UNIT}`);

    const all = await logRecords();
    assert.ok(all.names.length >= 4, `rotated files: ${all.names.join(" ")}`);
    for (const n of all.names) {
      assert.ok(n === "syscall_audit.log" || rotatedPattern("syscall_audit.log").test(n), n);
      assert.equal((await sh(`stat -c %a /var/log/${n}`)).trim(), "600", n);
    }
    assert.ok(all.names.some((n) => n.endsWith(".gz")), "delaycompress compressed an older file");
    // every exec exactly once, across rotations and the restart
    assertExactlyOnce(tally(all.exec, m1), N1, "storm 1 across two rotations");
    assertExactlyOnce(tally(all.exec, m2), N2, "storm 2 across a rotation");
    assert.ok(
      [...all.perFile.values()].filter((e) => tally(e, m1).size > 0).length >= 2,
      "storm 1 spans files",
    );
    // the old release drained and said so (exit record) before the new one opened
    const lifecycle = all.stats.filter((s) => s.reason === "open" || s.reason === "exit")
      .sort((a, b) => (BigInt(a.time_ns) < BigInt(b.time_ns) ? -1 : 1))
      .map((s) => s.reason === "open" ? `open ${s.values.version}` : "exit");
    assert.deepEqual(lifecycle, ["open 0.2.0", "exit", "open 0.2.0+t2", "exit"]);
    // under the unit's sandbox: counters pinned in bpffs, keys escrowed in the state dir, and
    // every file's chain verifies with them (the two runs linked)
    const opens = all.stats.filter((s) => s.reason === "open");
    for (const o of opens) {
      assert.equal(o.values.pin_error, undefined, `pinned: ${o.values.pin_error}`);
      assert.match(o.values.key_id ?? "", /^[0-9a-f]{16}$/);
    }
    const keyDir = `${ns.upperOf("/var")}/lib/syscall-audit/keys`;
    assert.equal([...Deno.readDirSync(keyDir)].filter((e) => e.name.endsWith(".key")).length, 2);
    const { loadKeys } = await import("../scripts/tamper/escrow.ts");
    const { verifyFiles } = await import("../scripts/tamper/verify.ts");
    const ordered = all.names.filter((n) => n !== "syscall_audit.log").sort()
      .concat(["syscall_audit.log"]).map((n) => `${logDir}/${n}`);
    const verdict = await verifyFiles(ordered, { keys: loadKeys([keyDir]).keys });
    assert.deepEqual(verdict.breaks, [], "the chain holds across rotations and the restart");

    // --- absent: stopped, disabled, every file it added gone; the logs stay
    await sh(`systemctl start ${UNIT}`);
    const absent = manifest("ensure         => absent,");
    const gone = await apply(absent);
    assert.equal(gone.code, 2, gone.output);
    const state = await ns.run(["systemctl", "show", "-p", "LoadState", "-p", "ActiveState", UNIT]);
    assert.match(state.stdout, /LoadState=not-found/);
    assert.match(state.stdout, /ActiveState=inactive/);
    assert.equal(
      (await sh(
        "ls -d /opt/syscall-audit /etc/syscall-audit /var/lib/syscall-audit /etc/cron.d/syscall-audit-* /etc/systemd/system/syscall-audit* 2>/dev/null | wc -l",
      )).trim(),
      "0",
    );
    assert.ok((await sh(`ls /var/log`)).includes("syscall_audit.log"), "the audit logs stay");
    assert.equal((await apply(absent)).code, 0);
  } finally {
    if (!pinned) await Deno.remove(DEFAULT_PIN_DIR, { recursive: true }).catch(() => {});
    await ns.shutdown();
  }
});

Deno.test("class syscall_audit::analysis on an edge node: its daily command analyses a day on Spark, absent removes it", async () => {
  await buildRelease();
  const day = "2026-11-27";
  const work = await Deno.makeTempDir({ dir: `${ROOT}build`, prefix: "puppet-analysis-" });
  const raw = `${work}/raw`;
  await generateDay({ root: raw, day, hosts: 6, eventsPerHost: 800, faults: false, seed: 5 });
  const want = await inMemory(raw, day, 5);
  assert.ok(want.rows.length >= 2, `${want.rows.length} rows`);
  const home = await findSparkHome();
  const ns = await SystemdNamespace.boot();
  try {
    const m = (extra = "") =>
      `class { 'syscall_audit::analysis':
  release_source => 'file://${RELEASES}',
  input          => '${raw}',
  output         => '${work}/out',
  master         => 'local[2]',
  spark_home     => '${home}',
  job_params     => { 'suspicious_exec.threshold' => 5 },
  spark_conf     => { 'spark.driver.host' => '127.0.0.1' },
  ${extra}
}`;
    const first = await puppetApplyIn(ns, m());
    assert.equal(first.code, 2, first.output);
    assert.equal((await puppetApplyIn(ns, m())).code, 0, "second apply changes nothing");
    const cron = await ns.run(["cat", "/etc/cron.d/syscall-audit-analyze"]);
    assert.match(
      cron.stdout,
      /^0 3 \* \* \* root \/opt\/syscall-audit-analysis\/bin\/analyze >>\/var\/log\/syscall-audit-analyze\.log 2>&1$/m,
    );
    const src = "/opt/syscall-audit-analysis/current/src";
    const jarBefore = await ns.run(["stat", "-c", "%Y", `${src}/build/analyze/driver.jar`]);
    assert.equal(jarBefore.code, 0, "the release carries the prebuilt driver");

    // what cron runs, for a given day
    // (the JVM's container support trips over the namespace's own cgroup mounts: off, here only)
    const run = await ns.run(["/opt/syscall-audit-analysis/bin/analyze", "--date", day], {
      env: { JAVA_TOOL_OPTIONS: "-XX:-UseContainerSupport" },
    });
    if (run.code !== 0) {
      const log = await ns.run(["sh", "-c", `cat ${src}/build/analyze/logs/*.log`]);
      assert.fail(`${run.stdout}\n${run.stderr}\n${log.stdout.slice(-4000)}`);
    }
    assert.deepStrictEqual(
      await csvRows(`${work}/out/suspicious_exec-${day}.csv`),
      [...want.rows].sort(byKey),
    );
    const jarAfter = await ns.run(["stat", "-c", "%Y", `${src}/build/analyze/driver.jar`]);
    assert.equal(jarAfter.stdout, jarBefore.stdout, "nothing rebuilt on the node");

    const gone = await puppetApplyIn(ns, m("ensure         => absent,"));
    assert.equal(gone.code, 2, gone.output);
    const left = await ns.run([
      "sh",
      "-c",
      "ls -d /opt/syscall-audit-analysis /etc/cron.d/syscall-audit-analyze 2>/dev/null | wc -l",
    ]);
    assert.equal(left.stdout.trim(), "0");
  } finally {
    await ns.shutdown();
    await Deno.remove(work, { recursive: true });
  }
});
