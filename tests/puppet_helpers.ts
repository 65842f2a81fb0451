/**
 * Helpers for the tests that run the real `puppet apply` on the module in puppet/modules.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;
export const MODULES = `${root}puppet/modules`;
export const MODULE = `${MODULES}/syscall_audit`;
export const RELEASES = `${root}build/release`;

/** What one `puppet apply --detailed-exitcodes` did. */
export interface ApplyResult {
  /** 0 nothing changed, 2 changes, 4 failures, 6 changes and failures, 1 did not compile. */
  code: number;
  /** Its output, without Facter's noise about /proc/1/environ on this VM. */
  output: string;
}

/** Output lines Facter prints on this VM (PID 1 is not readable) that say nothing about the module. */
export function quiet(text: string): string {
  return text.split("\n").filter((l) => !l.includes("/proc/1/environ")).join("\n");
}

/** Runs a command, collecting its output. */
export async function sh(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

/**
 * `puppet apply` of a manifest with its own confdir/vardir under `work` (nothing of the host's
 * Puppet state is used or changed). `env` sets FACTER_* overrides and the fact's knobs.
 */
export async function puppetApply(
  work: string,
  manifest: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ApplyResult> {
  await Deno.mkdir(`${work}/puppet`, { recursive: true });
  const file = `${work}/puppet/site.pp`;
  await Deno.writeTextFile(file, manifest);
  const r = await sh("puppet", [...applyArgs(`${work}/puppet`), ...args, file], env);
  return { code: r.code, output: quiet(r.out) };
}

/**
 * `puppet apply` arguments with the modules of this repository and Puppet's own state (confdir,
 * vardir, codedir) under `state`; `--detailed-exitcodes` (see {@link ApplyResult}).
 */
export function applyArgs(state: string): string[] {
  return [
    "apply",
    "--detailed-exitcodes",
    "--color=false",
    "--modulepath",
    MODULES,
    "--confdir",
    `${state}/conf`,
    "--vardir",
    `${state}/var`,
    "--codedir",
    `${state}/code`,
  ];
}

const releases = new Map<string, Promise<string>>();

/**
 * Builds a release into build/release/<version> (scripts/build_release.sh), once per test process
 * and version (the sources do not change during a run); returns its directory.
 */
export function buildRelease(version = ""): Promise<string> {
  let built = releases.get(version);
  if (!built) {
    built = sh("bash", [
      `${root}scripts/build_release.sh`,
      ...(version ? ["--version", version] : []),
    ]).then((r) => {
      if (r.code !== 0) throw new Error(`build_release failed: ${r.out}`);
      return r.out.trim().split("\n").pop()!;
    });
    releases.set(version, built);
  }
  return built;
}

/** The directories a minimal host has, under `rootDir`. */
export async function skeleton(rootDir: string): Promise<void> {
  for (const d of ["etc/systemd/system", "etc/cron.d", "opt", "var/lib", "var/log"]) {
    await Deno.mkdir(`${rootDir}/${d}`, { recursive: true });
  }
}

/** Every path under `dir` (relative, sorted), with its type and mode: "f 0644 etc/x". */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const st = await Deno.lstat(`${dir}/${p}`);
      const kind = st.isSymlink ? "l" : st.isDirectory ? "d" : "f";
      out.push(`${kind} ${(st.mode! & 0o7777).toString(8).padStart(4, "0")} ${p}`);
      if (st.isDirectory) await walk(p);
    }
  };
  await walk("");
  return out.sort((a, b) => a.slice(7).localeCompare(b.slice(7)));
}
