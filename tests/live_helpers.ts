/**
 * Helpers for the tests that run the real collector on the real kernel.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeLine, type ExecEvent, type StatsEvent } from "../scripts/logformat/mod.ts";
import { openStream, readLines } from "../scripts/lib/line_reader.ts";

const root = new URL("..", import.meta.url).pathname;
export const EXECS = `${root}build/testbin/execs`;
const COLLECT = `${root}scripts/collect.ts`;

/** Compiles tests/testdata/execs.c once. */
export async function buildExecs(): Promise<string> {
  await Deno.mkdir(`${root}build/testbin`, { recursive: true });
  const src = `${root}tests/testdata/execs.c`;
  let fresh = false;
  try {
    fresh = Deno.statSync(EXECS).mtime! >= Deno.statSync(src).mtime!;
  } catch {
    fresh = false;
  }
  if (!fresh) {
    const cc = await new Deno.Command("cc", { args: ["-O2", "-o", EXECS, src] }).output();
    assert.equal(cc.code, 0, new TextDecoder().decode(cc.stderr));
  }
  return EXECS;
}

export function hex(b: Uint8Array | string): string {
  const bytes = typeof b === "string" ? new TextEncoder().encode(b) : b;
  return [...bytes].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** A collector running as a child process. */
export class Collector {
  readonly child: Deno.ChildProcess;
  readonly log: string;
  readonly stderr: Promise<string>;
  /** the bpffs dir of this collector's pinned counters (each test its own; removed by cleanPins) */
  readonly pinDir: string;
  constructor(log: string, extra: string[] = [], pinDir = testPinDir()) {
    this.log = log;
    this.pinDir = pinDir;
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        COLLECT,
        "--log",
        log,
        "--wakeup-ms",
        "50",
        "--pin-dir",
        pinDir,
        // the chain's escrow files and state beside the log, not in /var/lib
        "--key-dir",
        `${log.replace(/\/[^/]*$/, "")}/keys`,
        ...extra,
      ],
      stdout: "null",
      stderr: "piped",
      env: { TZ: "UTC" },
    }).spawn();
    this.stderr = new Response(this.child.stderr).text();
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Waits until the programs are attached (the "open" stats record is in the log). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const opens = async () =>
      (await records(this.log)).stats.filter((s) => s.reason === "open").length;
    const before = await opens().catch(() => 0);
    await waitFor(
      async () => (await opens().catch(() => 0)) > before || (await this.exited()),
      timeoutMs,
      "collector ready",
    );
    if (await this.exited()) throw new Error(`collector exited early: ${await this.stderr}`);
  }

  async exited(): Promise<boolean> {
    const r = await Promise.race([this.child.status.then(() => true), delay(0).then(() => false)]);
    return r;
  }

  /** SIGTERM, then the exit status and stderr. */
  async stop(): Promise<{ code: number; stderr: string }> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const st = await this.child.status;
    const out = { code: st.code, stderr: await this.stderr };
    await cleanPins(this.pinDir);
    return out;
  }

  async kill9(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.status;
    await this.stderr;
  }
}

/** A user-space dev_t (glibc encoding, as Deno.stat gives it) as the log's "major:minor". */
export function devText(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** A fresh pin dir for one test's collector (bpffs). */
export function testPinDir(): string {
  return `/sys/fs/bpf/sa-test-${crypto.randomUUID().slice(0, 8)}`;
}

/** Removes a test's pin dir (the pinned maps go with it). */
export async function cleanPins(dir: string): Promise<void> {
  if (dir === "" || !dir.startsWith("/sys/fs/bpf/sa-test-")) return;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(
  pred: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
) {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

/** Every record of the files, plus the bad lines. */
export async function records(...paths: string[]) {
  const exec: ExecEvent[] = [];
  const stats: StatsEvent[] = [];
  const bad: { path: string; no: number; reason: string }[] = [];
  for (const p of paths) {
    for await (const l of readLines(await openStream(p))) {
      if (l.tooLong) {
        bad.push({ path: p, no: l.no, reason: "line_too_long" });
        continue;
      }
      if (!l.terminated) {
        bad.push({ path: p, no: l.no, reason: "torn" });
        continue;
      }
      const r = decodeLine(l.text);
      if (r.type === "exec") exec.push(r);
      else if (r.type === "stats") stats.push(r);
      else bad.push({ path: p, no: l.no, reason: r.reason });
    }
  }
  return { exec, stats, bad };
}

/** Runs `execs storm n marker par`; returns the execs done. */
export async function storm(n: number, marker: string, par = 2): Promise<number> {
  const out = await new Deno.Command(EXECS, { args: ["storm", String(n), marker, String(par)] })
    .output();
  assert.equal(out.code, 0);
  return Number(new TextDecoder().decode(out.stdout).split(" ")[0]);
}

/** Lines (LF bytes) in a file; 0 when it is missing. */
export async function lineCount(path: string): Promise<number> {
  try {
    const b = await Deno.readFile(path);
    let n = 0;
    for (const x of b) if (x === 0x0a) n++;
    return n;
  } catch {
    return 0;
  }
}

/** Exec events of a storm with this marker: argv[2] (the index) -> count. */
export function tally(exec: { argv: string[] }[], marker: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const e of exec) {
    if (e.argv[1] === marker) seen.set(Number(e.argv[2]), (seen.get(Number(e.argv[2])) ?? 0) + 1);
  }
  return seen;
}

/** Every storm exec 0..n-1 seen exactly once. */
export function assertExactlyOnce(seen: Map<number, number>, n: number, what: string) {
  const dup = [...seen].filter(([, c]) => c > 1).map(([i]) => i);
  assert.deepEqual(dup, [], `${what}: duplicated execs`);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) missing.push(i);
  assert.deepEqual(missing.slice(0, 20), [], `${what}: ${missing.length} execs missing`);
}
