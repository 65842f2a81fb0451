/**
 * The host-wide cost of the collector on every system call (not only execs):
 * its syscall tracepoints put every task on the syscall-tracing slow path, and
 * the 32-bit exec programs (tp_btf sys_enter/sys_exit) run on each syscall.
 * Measured as ns per getppid() (bench/syscall_loop.c, 5M calls, median of 7)
 * with no tracer, with the previous release's collector (a checkout given by
 * --old, optional) and with this one, interleaved; plus the BPF run time per
 * call of the two compat programs (kernel.bpf_stats_enabled). Root.
 *
 *   deno task bench:syscall-tax [--old DIR] [--out FILE]
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: { old: { type: "string" }, out: { type: "string" } },
});
const out = values.out ?? `${ROOT}bench/results/syscall_tax.md`;
const LOOP = `${ROOT}build/syscall_loop`;

async function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  const o = await new Deno.Command(cmd, { args, cwd, stderr: "piped" }).output();
  if (o.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  }
  return new TextDecoder().decode(o.stdout);
}

/** Median ns per getppid() of 7 runs. */
async function perCall(): Promise<number> {
  const r: number[] = [];
  for (let i = 0; i < 7; i++) r.push(Number((await sh(LOOP, [])).trim()));
  r.sort((a, b) => a - b);
  return r[3];
}

/** Starts the collector bundle of checkout `dir`; resolves to a stop function. */
async function collector(dir: string, extra: string[]): Promise<() => Promise<void>> {
  await sh("bash", ["scripts/build_bpf.sh"], dir);
  await sh("bash", ["scripts/build_bundle.sh"], dir);
  const tmp = await Deno.makeTempDir({ prefix: "sa-tax-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--max-old-space-size=32,--max-semi-space-size=1",
      `${dir}/build/collect.js`,
      "--log",
      `${tmp}/a.log`,
      ...extra.map((a) => a.replaceAll("$TMP", tmp)),
    ],
    env: { TZ: "UTC", MALLOC_ARENA_MAX: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 4000));
  return async () => {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(tmp, { recursive: true });
  };
}

/** BPF ns per run of the compat programs, over one loop run. */
async function compatBpf(): Promise<string> {
  const snap = async () => {
    const progs = JSON.parse(await sh("bpftool", ["prog", "show", "-j"])) as {
      name?: string;
      run_time_ns?: number;
      run_cnt?: number;
    }[];
    return new Map(
      progs.filter((p) => p.name === "enter_compat" || p.name === "exit_compat")
        .map((p) => [p.name!, [p.run_time_ns ?? 0, p.run_cnt ?? 0]]),
    );
  };
  await sh("sysctl", ["-qw", "kernel.bpf_stats_enabled=1"]);
  try {
    const a = await snap();
    await sh(LOOP, []);
    const b = await snap();
    return [...b].map(([n, [t, c]]) => {
      const [t0, c0] = a.get(n) ?? [0, 0];
      return `${n} ${((t - t0) / Math.max(1, c - c0)).toFixed(1)} ns/run`;
    }).join(", ");
  } finally {
    await sh("sysctl", ["-qw", "kernel.bpf_stats_enabled=0"]);
  }
}

await Deno.mkdir(`${ROOT}build`, { recursive: true });
await sh("cc", ["-O2", "-o", LOOP, `${ROOT}bench/syscall_loop.c`]);
const rows: [string, number][] = [];
rows.push(["no tracer", await perCall()]);
if (values.old) {
  const stop = await collector(values.old, []);
  rows.push([`previous collector (${values.old})`, await perCall()]);
  await stop();
  rows.push(["no tracer", await perCall()]);
}
const pin = `/sys/fs/bpf/sa-tax-${Deno.pid}`;
const stop = await collector(ROOT, ["--pin-dir", pin, "--key-dir", "$TMP/keys"]);
rows.push(["this collector", await perCall()]);
const bpf = await compatBpf();
await stop();
await Deno.remove(pin, { recursive: true }).catch(() => {});
rows.push(["no tracer", await perCall()]);
const stopNo = await collector(ROOT, ["--no-ia32", "--pin-dir", pin, "--key-dir", "$TMP/keys"]);
rows.push(["this collector --no-ia32", await perCall()]);
await stopNo();
await Deno.remove(pin, { recursive: true }).catch(() => {});
rows.push(["no tracer", await perCall()]);

const base = rows.filter(([n]) => n === "no tracer").map(([, v]) => v);
const mean = base.reduce((a, b) => a + b, 0) / base.length;
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1];
const md = [
  "# Syscall tax: what the collector costs every system call of the host",
  "",
  `- date: ${
    new Date().toISOString()
  }; kernel ${Deno.osRelease()}; ${cpu}; ${navigator.hardwareConcurrency} CPUs`,
  "- workload: `build/syscall_loop` (bench/syscall_loop.c): 5,000,000 × getppid(), ns per call, median of 7 runs, tracers started 4 s before",
  "",
  "| | ns per getppid() | vs no tracer (mean of its runs) |",
  "|---|---:|---:|",
  ...rows.map(([n, v]) =>
    `| ${n} | ${v.toFixed(1)} | ${n === "no tracer" ? "–" : `+${(v - mean).toFixed(1)}`} |`
  ),
  "",
  `BPF run time of the 32-bit exec programs per syscall (bpf_stats, which adds its own timing): ${bpf}.`,
  "",
].join("\n");
await Deno.writeTextFile(out, md);
console.log(md);
