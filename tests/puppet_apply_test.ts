/**
 * The Puppet module, checked by Puppet's own tools and applied for real (`puppet apply`) into a
 * temporary file-system root: contents and modes, a second apply that changes nothing, a release
 * change, drift repaired, `ensure => absent`, and hosts gated by the module's fact.
 */

import assert from "node:assert/strict";
import {
  buildRelease,
  MODULE,
  puppetApply,
  quiet,
  RELEASES,
  sh,
  skeleton,
  tree,
} from "./puppet_helpers.ts";
import { reference } from "../scripts/puppet_reference.ts";
import { DEFAULT_PIN_DIR } from "../scripts/collector/bpf_loader.ts";

const FACT_DIR = `${MODULE}/lib/facter`;

async function files(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await files(`${dir}/${e.name}`, ext));
    else if (e.name.endsWith(ext)) out.push(`${dir}/${e.name}`);
  }
  return out.sort();
}

function manifest(rootDir: string, extra = ""): string {
  return `class { 'syscall_audit':
  root           => '${rootDir}',
  release_source => 'file://${RELEASES}',
  rotate_minute  => 7,
  ship_to        => 'webhdfs://nn1.example:9870,nn2.example:9870/audit/raw',
  ship_user      => 'audit',
  ship_max_rate  => '20M',
  collector_args => ['--max-arg-bytes', '4096', 'odd "arg" 100%'],
  ${extra}
}
`;
}

/**
 * The ring size (MiB) data/common.yaml's `ring_mib_by_cpus` gives a host with `cpus` processors:
 * the value of the largest key not above it (the smallest key's below every key). Read from the
 * data, so the test follows the data's sizes and checks the manifest's rule.
 */
async function ringMibFor(cpus: number): Promise<number> {
  const data = await Deno.readTextFile(`${MODULE}/data/common.yaml`);
  const flow = /^syscall_audit::ring_mib_by_cpus: \{(.*)\}$/m.exec(data)![1];
  const table = flow.split(",").map((kv) => kv.split(":").map((x) => Number(x.trim())));
  table.sort((a, b) => a[0] - b[0]);
  return (table.filter(([k]) => k <= cpus).pop() ?? table[0])[1];
}

/** This host's CPU count as Facter reports it (`processors.count`). */
async function hereCpus(): Promise<number> {
  const r = await sh("facter", ["processors.count"]);
  return Number(quiet(r.out).trim().split("\n").pop());
}

let hereRing: number | undefined;
/** The ring size the module gives this host (set by the test before it is used). */
function hereRingMib(): number {
  return hereRing!;
}

/**
 * A Facter custom-fact directory (FACTERLIB) whose `processors` fact (weight above the core
 * fact's) reports SYSCALL_AUDIT_TEST_CPUS processors: a host of another size, for the ring's
 * host classes.
 */
async function fakeCpusFacts(work: string): Promise<string> {
  const dir = `${work}/facterlib`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/processors.rb`,
    "Facter.add(:processors) do\n  has_weight 100_000\n" +
      "  setcode { { 'count' => Integer(ENV.fetch('SYSCALL_AUDIT_TEST_CPUS')) } }\nend\n",
  );
  return dir;
}

Deno.test("syscall_audit module passes puppet parser validate, puppet-lint and epp validate", async () => {
  const pp = [
    ...await files(`${MODULE}/manifests`, ".pp"),
    ...await files(`${MODULE}/functions`, ".pp"),
    ...await files(`${MODULE}/types`, ".pp"),
  ];
  assert.ok(pp.length >= 10, `manifests found: ${pp.length}`);
  const parse = await sh("puppet", ["parser", "validate", ...pp]);
  assert.equal(parse.code, 0, parse.out);
  const epp = await sh("puppet", [
    "epp",
    "validate",
    ...await files(`${MODULE}/templates`, ".epp"),
  ]);
  assert.equal(epp.code, 0, epp.out);
  const lint = await sh("puppet-lint", ["--fail-on-warnings", MODULE]);
  assert.equal(lint.code, 0, lint.out);
  const ruby = await sh("ruby", ["-c", `${FACT_DIR}/syscall_audit.rb`]);
  assert.equal(ruby.code, 0, ruby.out);
  const meta = JSON.parse(await Deno.readTextFile(`${MODULE}/metadata.json`));
  assert.equal(meta.name.split("-")[1], "syscall_audit");
  // every parameter of the main class has its default in data/common.yaml
  const init = await Deno.readTextFile(`${MODULE}/manifests/init.pp`);
  const data = await Deno.readTextFile(`${MODULE}/data/common.yaml`);
  const params = [...init.matchAll(/^\s+[A-Z][^$\n]*\$([a-z_]+),$/gm)].map((m) => m[1]);
  assert.ok(params.length > 30, `parameters found: ${params.length}`);
  for (const p of params) assert.match(data, new RegExp(`^syscall_audit::${p}:`, "m"), p);
  // REFERENCE.md is generated from these doc comments: it must be current
  assert.equal(
    await Deno.readTextFile(`${MODULE}/REFERENCE.md`),
    await reference(),
    "REFERENCE.md is stale: run deno run -A scripts/puppet_reference.ts",
  );
});

Deno.test("syscall_audit fact reports this host supported and gates old kernels and no-BTF hosts", async () => {
  const here = await sh("facter", ["--json", "--custom-dir", FACT_DIR, "syscall_audit"]);
  const fact = JSON.parse(here.out.slice(here.out.indexOf("{"))).syscall_audit;
  assert.equal(fact.status, "supported", here.out);
  assert.equal(fact.btf, true);
  assert.equal(fact.kernel, Deno.osRelease());
  assert.equal(fact.ringbuf, true);
  assert.equal(fact.cap_bpf, true);

  const centos6 = await sh("facter", ["--custom-dir", FACT_DIR, "syscall_audit_status"], {
    FACTER_kernelrelease: "2.6.32-754.35.1.el6.x86_64",
  });
  assert.match(
    centos6.out,
    /^unsupported: kernel 2\.6\.32-754\.35\.1\.el6\.x86_64 is older than 5\.8/m,
  );
  const noBtf = await Deno.makeTempDir({ prefix: "fact_root_" });
  try {
    const centos7 = await sh("facter", ["--custom-dir", FACT_DIR, "syscall_audit_status"], {
      FACTER_kernelrelease: "3.10.0-1160.el7.x86_64",
      SYSCALL_AUDIT_FACT_ROOT: noBtf,
    });
    assert.match(centos7.out, /^unsupported: kernel 3\.10\.0-1160\.el7\.x86_64 is older/m);
    const r = await sh("facter", ["--custom-dir", FACT_DIR, "syscall_audit_status"], {
      SYSCALL_AUDIT_FACT_ROOT: noBtf,
    });
    assert.match(r.out, /^unsupported: no kernel BTF \(\/sys\/kernel\/btf\/vmlinux missing/m);
  } finally {
    await Deno.remove(noBtf, { recursive: true });
  }
});

Deno.test("class syscall_audit installs into a root, changes nothing the second time, and absent removes it", async () => {
  await buildRelease();
  await buildRelease("0.2.0+t2");
  const work = await Deno.makeTempDir({ prefix: "puppet_apply_" });
  const r = `${work}/root`;
  try {
    await skeleton(r);
    const empty = await tree(r);
    hereRing = await ringMibFor(await hereCpus());

    const first = await puppetApply(work, manifest(r));
    assert.equal(first.code, 2, first.output);
    const installed = await tree(r);
    for (
      const line of [
        "f 0644 etc/cron.d/syscall-audit-rotate",
        "f 0644 etc/cron.d/syscall-audit-ship",
        "f 0644 etc/syscall-audit/logrotate.conf",
        "f 0644 etc/systemd/system/syscall-audit-collector.service",
        "f 0755 opt/syscall-audit/bin/check",
        "f 0700 opt/syscall-audit/bin/ship",
        "l 0777 opt/syscall-audit/current",
        "f 0755 opt/syscall-audit/releases/0.2.0/deno",
        "f 0644 opt/syscall-audit/releases/0.2.0/collect.js",
        "f 0644 opt/syscall-audit/releases/0.2.0/exec.bpf.o",
        "f 0644 opt/syscall-audit/releases/0.2.0/ship.js",
        "d 0700 var/lib/syscall-audit",
      ]
    ) assert.ok(installed.includes(line), `${line} in\n${installed.join("\n")}`);
    assert.equal(await Deno.readLink(`${r}/opt/syscall-audit/current`), "releases/0.2.0");
    for (const f of ["deno", "collect.js", "exec.bpf.o", "ship.js"]) {
      const a = await Deno.readFile(`${RELEASES}/0.2.0/${f}`);
      const b = await Deno.readFile(`${r}/opt/syscall-audit/releases/0.2.0/${f}`);
      assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), `${f} copied whole`);
    }

    const unit = await Deno.readTextFile(`${r}/etc/systemd/system/syscall-audit-collector.service`);
    assert.match(unit, /^# Managed by Puppet \(syscall_audit 0\.2\.0\)/);
    assert.match(
      unit,
      new RegExp(
        String
          .raw`^ExecStart=\/opt\/syscall-audit\/current\/deno run --allow-all \S+ \/opt\/syscall-audit\/current\/collect\.js --log \/var\/log\/syscall_audit\.log --object \/opt\/syscall-audit\/current\/exec\.bpf\.o --libbpf libbpf\.so\.1 --ring-mb ${hereRingMib()} --key-dir \/var\/lib\/syscall-audit\/keys --escrow-public-key \/etc\/syscall-audit\/escrow\.pub --redact-key-file \/etc\/syscall-audit\/redact\.key --max-arg-bytes 4096 "odd \\"arg\\" 100%%"$`,
        "m",
      ),
    );
    for (
      const line of [
        "KillSignal=SIGTERM",
        "Restart=on-failure",
        "CPUQuota=25%",
        "MemoryMax=128M",
        "Nice=10",
        "IOSchedulingClass=idle",
        "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        `ReadWritePaths=/var/log /var/lib/syscall-audit -${DEFAULT_PIN_DIR}`,
        "ProtectKernelTunables=no",
        "ReadOnlyPaths=/sys -/proc/sys -/proc/sysrq-trigger -/proc/latency_stats -/proc/acpi -/proc/timer_stats -/proc/fs -/proc/irq",
        "SystemCallFilter=@system-service bpf perf_event_open",
      ]
    ) assert.ok(unit.split("\n").includes(line), line);
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute/m);

    const rotate = await Deno.readTextFile(`${r}/etc/syscall-audit/logrotate.conf`);
    assert.match(rotate, /^\/var\/log\/syscall_audit\.log \{$/m);
    for (const d of ["daily", "maxsize 256M", "rotate 60", "dateext", "delaycompress"]) {
      assert.match(rotate, new RegExp(`^\\s+${d}$`, "m"), d);
    }
    assert.match(rotate, /^\s+create 0600 root root$/m);
    assert.doesNotMatch(rotate, /^\s+copytruncate/m);
    assert.match(rotate, /systemctl kill --signal=HUP syscall-audit-collector\.service/);
    const rotateCron = await Deno.readTextFile(`${r}/etc/cron.d/syscall-audit-rotate`);
    assert.match(
      rotateCron,
      /^7 \* \* \* \* root logrotate --state \/var\/lib\/syscall-audit\/logrotate\.status \/etc\/syscall-audit\/logrotate\.conf$/m,
    );
    const shipCron = await Deno.readTextFile(`${r}/etc/cron.d/syscall-audit-ship`);
    assert.match(
      shipCron,
      /^12 \* \* \* \* root \/opt\/syscall-audit\/bin\/ship --splay 30m 2>&1 \| logger -t syscall-audit-ship$/m,
    );
    const ship = await Deno.readTextFile(`${r}/opt/syscall-audit/bin/ship`);
    assert.match(
      ship,
      /ship\.js --from \/var\/log --log-name syscall_audit\.log --to webhdfs:\/\/nn1\.example:9870,nn2\.example:9870\/audit\/raw --state-dir \/var\/lib\/syscall-audit --min-age 60s --keep-days 0 --user audit --max-rate 20M "\$@"$/m,
    );

    // the unit and the shipper wrapper run Deno with the project's own tasks' settings (deno.json)
    const tasks =
      JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
    for (const [task, text] of [["collect", unit], ["ship", ship]]) {
      const command: string = tasks[task].command;
      for (const setting of [/--v8-flags=\S+/, /MALLOC_ARENA_MAX=\d+/, /TZ=UTC/]) {
        const want = setting.exec(command)![0];
        assert.ok(text.includes(want), `${task}: ${want} as in deno.json`);
      }
    }

    const second = await puppetApply(work, manifest(r));
    assert.equal(second.code, 0, `second apply changed something:\n${second.output}`);

    // drift is repaired: a hand-edited unit and a removed cron entry come back
    await Deno.writeTextFile(
      `${r}/etc/systemd/system/syscall-audit-collector.service`,
      unit.replace("CPUQuota=25%", "CPUQuota=100%"),
    );
    await Deno.remove(`${r}/etc/cron.d/syscall-audit-ship`);
    const repaired = await puppetApply(work, manifest(r));
    assert.equal(repaired.code, 2, repaired.output);
    assert.equal(
      await Deno.readTextFile(`${r}/etc/systemd/system/syscall-audit-collector.service`),
      unit,
    );
    assert.equal(await Deno.readTextFile(`${r}/etc/cron.d/syscall-audit-ship`), shipCron);

    // a new release: installed beside, current flips, the old one is purged
    const upgrade = manifest(r, "version        => '0.2.0+t2',");
    const up = await puppetApply(work, upgrade);
    assert.equal(up.code, 2, up.output);
    assert.equal(await Deno.readLink(`${r}/opt/syscall-audit/current`), "releases/0.2.0+t2");
    const releases = [...Deno.readDirSync(`${r}/opt/syscall-audit/releases`)].map((e) => e.name);
    assert.deepEqual(releases, ["0.2.0+t2"]);
    assert.match(
      await Deno.readTextFile(`${r}/etc/systemd/system/syscall-audit-collector.service`),
      /^# Managed by Puppet \(syscall_audit 0\.2\.0\+t2\)/,
    );
    assert.equal((await puppetApply(work, upgrade)).code, 0);

    const absent = manifest(r, "ensure         => absent,");
    const gone = await puppetApply(work, absent);
    assert.equal(gone.code, 2, gone.output);
    assert.deepEqual(await tree(r), empty);
    const again = await puppetApply(work, absent);
    assert.equal(again.code, 0, again.output);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("class syscall_audit leaves a CentOS 6-like host and a no-BTF host alone, and the run succeeds", async () => {
  await buildRelease();
  const work = await Deno.makeTempDir({ prefix: "puppet_gate_" });
  const r = `${work}/root`;
  const noBtf = `${work}/sysfs`;
  try {
    await skeleton(r);
    await Deno.mkdir(noBtf);
    const empty = await tree(r);
    const hosts: [string, Record<string, string>, RegExp][] = [
      [
        "CentOS 6",
        { FACTER_kernelrelease: "2.6.32-754.35.1.el6.x86_64" },
        /unsupported: kernel 2\.6\.32-754\.35\.1\.el6\.x86_64 is older than 5\.8/,
      ],
      [
        "CentOS 7",
        { FACTER_kernelrelease: "3.10.0-1160.el7.x86_64", SYSCALL_AUDIT_FACT_ROOT: noBtf },
        /unsupported: kernel 3\.10\.0-1160\.el7\.x86_64 is older than 5\.8/,
      ],
      ["no BTF", { SYSCALL_AUDIT_FACT_ROOT: noBtf }, /unsupported: no kernel BTF/],
    ];
    for (const [host, env, reason] of hosts) {
      const run = await puppetApply(work, manifest(r), env);
      assert.equal(run.code, 0, `${host}: ${run.output}`);
      assert.match(run.output, reason, host);
      assert.match(run.output, /the collector is not run on this host/, host);
      assert.deepEqual(await tree(r), empty, host);
    }

    // this VM itself: a new kernel with BTF, but PID 1 is not systemd. Applied to / (--noop, to
    // be safe should the gate ever break): nothing would change
    const here = await puppetApply(
      work,
      `class { 'syscall_audit': release_source => 'file://${RELEASES}' }`,
      {},
      ["--noop"],
    );
    assert.equal(here.code, 0, here.output);
    assert.match(here.output, /unsupported: this host does not run systemd/);
    assert.doesNotMatch(here.output, /current_value|Would have/);

    // installed, then the collector's own check fails here: files stay (so the fact keeps
    // reporting the check), nothing fails
    assert.equal((await puppetApply(work, manifest(r))).code, 2);
    const installed = await tree(r);
    const check = `${work}/check`;
    await Deno.writeTextFile(
      check,
      "#!/bin/sh\necho 'fail load  BPF: Operation not permitted'\necho 'unsupported: lockdown=confidentiality forbids BPF'\nexit 1\n",
    );
    await Deno.chmod(check, 0o755);
    const failing = await puppetApply(work, manifest(r), { SYSCALL_AUDIT_CHECK: check });
    assert.equal(failing.code, 0, failing.output);
    assert.match(failing.output, /unsupported: lockdown=confidentiality forbids BPF/);
    assert.deepEqual(await tree(r), installed);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("class syscall_audit sizes the ring by processors.count unless ring_mib is given", async () => {
  await buildRelease();
  const work = await Deno.makeTempDir({ prefix: "puppet_ring_" });
  const r = `${work}/root`;
  const unitFile = `${r}/etc/systemd/system/syscall-audit-collector.service`;
  const ringArg = async () =>
    /^ExecStart=.* --ring-mb (\d+) /m.exec(await Deno.readTextFile(unitFile))?.[1];
  try {
    await skeleton(r);
    // this VM
    const cpus = await hereCpus();
    assert.ok(cpus >= 1, `processors.count: ${cpus}`);
    const here = await puppetApply(work, manifest(r));
    assert.equal(here.code, 2, here.output);
    assert.equal(await ringArg(), String(await ringMibFor(cpus)), `${cpus} CPUs`);

    // hosts of other classes: the largest key of ring_mib_by_cpus not above the count
    const FACTERLIB = await fakeCpusFacts(work);
    const want: [number, string][] = [[1, "2"], [7, "2"], [8, "8"], [31, "8"], [32, "32"], [
      96,
      "32",
    ]];
    for (const [n, mib] of want) {
      assert.equal(String(await ringMibFor(n)), mib, `data/common.yaml for ${n} CPUs`);
      const run = await puppetApply(work, manifest(r), {
        FACTERLIB,
        SYSCALL_AUDIT_TEST_CPUS: String(n),
      });
      assert.ok(run.code === 0 || run.code === 2, `${n} CPUs: ${run.output}`);
      assert.equal(await ringArg(), mib, `${n} CPUs`);
    }

    // given: it wins over the host class; not a power of two: the catalog fails, naming it
    const given = await puppetApply(work, manifest(r, "ring_mib       => 16,"), {
      FACTERLIB,
      SYSCALL_AUDIT_TEST_CPUS: "96",
    });
    assert.equal(given.code, 2, given.output);
    assert.equal(await ringArg(), "16");
    const bad = await puppetApply(work, manifest(r, "ring_mib       => 24,"));
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.output, /ring_mib must be a power of two from 1 to 1024: got 24/);
    assert.equal(await ringArg(), "16", "a failed catalog changes nothing");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("class syscall_audit writes the redaction site key root-only without showing it, and the escrow public key", async () => {
  await buildRelease();
  const work = await Deno.makeTempDir({ prefix: "puppet_keys_" });
  const r = `${work}/root`;
  try {
    await skeleton(r);
    const { generateKeyPairSync } = await import("node:crypto");
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey
      .export({ type: "spki", format: "pem" }).toString();
    const siteKey = "0123456789abcdef0123456789abcdef0123456789abcdef";
    const keys = `redact_site_key => Sensitive('${siteKey}'),\n  escrow_public_key => @(PEM),\n${
      pem.trimEnd().split("\n").map((l) => `    ${l}`).join("\n")
    }\n    | PEM\n`;
    const first = await puppetApply(work, manifest(r, keys));
    assert.equal(first.code, 2, first.output);
    assert.ok(!first.output.includes(siteKey), "the site key never shows in Puppet's output");
    const key = await Deno.stat(`${r}/etc/syscall-audit/redact.key`);
    assert.equal(key.mode! & 0o777, 0o600);
    assert.equal(key.uid, 0);
    assert.equal(await Deno.readTextFile(`${r}/etc/syscall-audit/redact.key`), `${siteKey}\n`);
    assert.equal(await Deno.readTextFile(`${r}/etc/syscall-audit/escrow.pub`), pem);
    assert.equal((await Deno.stat(`${r}/var/lib/syscall-audit/keys`)).mode! & 0o777, 0o700);
    const again = await puppetApply(work, manifest(r, keys));
    assert.equal(again.code, 0, again.output);
    // unset: both files go (the collector then hashes nothing and escrows in clear, with warnings)
    const unset = await puppetApply(work, manifest(r, "ia32 => false,"));
    assert.equal(unset.code, 2, unset.output);
    const unit = await Deno.readTextFile(`${r}/etc/systemd/system/syscall-audit-collector.service`);
    assert.match(unit, /^ExecStart=.* --redact-key-file \S+ --no-ia32 --max-arg-bytes 4096 /m);
    for (const f of ["redact.key", "escrow.pub"]) {
      assert.equal(
        await Deno.stat(`${r}/etc/syscall-audit/${f}`).then(() => true, () => false),
        false,
        f,
      );
    }
    // a key too short for the type is refused before anything is applied
    const short = await puppetApply(work, manifest(r, "redact_site_key => 'abcd',"));
    assert.equal(short.code, 1, short.output);
    assert.match(short.output, /redact_site_key/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
