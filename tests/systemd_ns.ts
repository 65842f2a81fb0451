/**
 * A throwaway systemd for tests: systemd 252 runs as PID 1 of new PID, mount, UTS and cgroup
 * namespaces, with copy-on-write overlays over the host directories a test may write to, so that
 * unit files, `systemctl`, `journalctl` and hardened services can be exercised for real without
 * touching the host.
 *
 * What keeps the host safe (the namespace shares the root file system, the network and the kernel):
 * - fresh tmpfs on `/run` and `/tmp`; overlayfs (upper dirs under `build/systemd-ns/`) on each
 *   overlay directory and on `/dev`; `/dev/console` is a pty logged to `console.log`;
 * - `/proc/sys`, `/proc/sysrq-trigger` and `/sys` are read-only; `/sys/fs/cgroup` is a private
 *   tmpfs with fresh cgroup mounts rooted at a dedicated `sa-ns-<id>` cgroup (cgroup namespace);
 * - systemd starts `sa-test.target` (`DefaultDependencies=no`, nothing else) instead of
 *   multi-user.target, and everything `DefaultDependencies=yes` units would pull in
 *   (sysinit.target, basic.target, network targets, ...) is masked: no systemd-tmpfiles, no
 *   remount-fs, sysctl, timesyncd, auditd, logind, cron, udev;
 * - journald runs without `CAP_AUDIT_CONTROL`/`CAP_AUDIT_READ` and without the audit and /dev/log
 *   sockets (journald 252 would otherwise switch kernel auditing on for the whole host).
 *
 * Needs root. Not touched: the network namespace, `/root`, `/home`, `/srv`, `/work` and the
 * rest of `/usr` are the host's own.
 *
 * @module
 */

import { delay } from "./live_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SYSTEMD = "/lib/systemd/systemd";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const TARGET = "sa-test.target";
const CONTROL = "/run/systemd/system.control";

/** Host directories overlaid by default (writes inside land in {@link SystemdNamespace.upper}). */
export const DEFAULT_OVERLAYS: readonly string[] = ["/etc", "/var", "/opt", "/usr/local"];

/** Directories that are namespace-private anyway and must not be overlaid. */
const RESERVED = ["/", "/dev", "/proc", "/run", "/sys", "/tmp"];

/**
 * Targets whose dependency closure is masked after boot: what a `DefaultDependencies=yes`
 * service or a `Wants=network-online.target` would otherwise start.
 */
const NEUTRALIZED_TARGETS = [
  "sysinit.target",
  "basic.target",
  "sockets.target",
  "timers.target",
  "paths.target",
  "slices.target",
  "local-fs-pre.target",
  "local-fs.target",
  "remote-fs-pre.target",
  "remote-fs.target",
  "swap.target",
  "cryptsetup.target",
  "network-pre.target",
  "network.target",
  "network-online.target",
  "nss-lookup.target",
  "nss-user-lookup.target",
  "time-set.target",
  "time-sync.target",
];

/** Masked before systemd starts, whatever the unit files on the host say. */
const ALWAYS_MASKED = [
  "systemd-journald-audit.socket",
  "systemd-journald-dev-log.socket",
  "systemd-journal-flush.service",
  "systemd-tmpfiles-setup.service",
  "systemd-tmpfiles-setup-dev.service",
  "systemd-tmpfiles-clean.service",
  "systemd-tmpfiles-clean.timer",
  "systemd-remount-fs.service",
  "systemd-sysctl.service",
  "systemd-modules-load.service",
  "systemd-binfmt.service",
  "proc-sys-fs-binfmt_misc.automount",
  "systemd-timesyncd.service",
  "systemd-udevd.service",
  "systemd-udev-trigger.service",
  "systemd-random-seed.service",
  "systemd-pstore.service",
  "systemd-update-utmp.service",
  "systemd-sysusers.service",
  "systemd-firstboot.service",
  "systemd-machine-id-commit.service",
  "systemd-hwdb-update.service",
  "ldconfig.service",
  "systemd-logind.service",
  "systemd-networkd.service",
  "systemd-resolved.service",
  "networking.service",
  "auditd.service",
  "apparmor.service",
  "cron.service",
  "getty@.service",
  "serial-getty@.service",
  "console-getty.service",
];

const JOURNALD_UNITS = ["systemd-journald.socket", "systemd-journald.service"];

/** Options of {@link SystemdNamespace.boot}. */
export interface BootOptions {
  /** Host directories to overlay (absolute); a missing one is overlaid on an empty directory. */
  overlays?: readonly string[];
  /** Until `systemctl is-system-running` answers running/degraded; default 15000. */
  timeoutMs?: number;
  /** Where the per-namespace temp dir goes; default `<repo>/build/systemd-ns` (under /tmp it is kept visible inside). */
  baseDir?: string;
  /** Start systemd-journald inside (so `journalctl -u` works); default true. */
  journald?: boolean;
  /** Units never masked even though a neutralized target pulls them in. */
  keepUnmasked?: readonly string[];
}

/** Options of {@link SystemdNamespace.run}. */
export interface RunOptions {
  /** Added to the minimal environment (PATH, LANG=C.UTF-8, HOME=/root, SYSTEMD_COLORS=0). */
  env?: Record<string, string>;
  /** Written to the command's stdin (otherwise /dev/null). */
  stdin?: string;
}

/** Outcome of a command run inside the namespace. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Hierarchy {
  /** Host mount point, e.g. /sys/fs/cgroup/memory. */
  mountpoint: string;
  fstype: "cgroup" | "cgroup2";
  /** Super options without rw/ro, e.g. "memory" or "name=systemd". */
  options: string;
  /** Our own cgroup in this hierarchy (host path): the namespace's cgroup is created below it. */
  parent: string;
}

interface State {
  unsharePid: number;
  cgroups: string[];
  createdHostDirs: string[];
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const decoder = new TextDecoder();

function within(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function readOr(path: string, fallback = ""): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

function tail(path: string, lines = 40): string {
  const text = readOr(path, "(missing)").replaceAll("\r", "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Mounts of the calling process as [mountpoint, fstype, superOptions]. */
function hostMounts(): [string, string, string][] {
  return readOr("/proc/self/mountinfo").split("\n").filter((l) => l).map((l) => {
    const [pre, post] = l.split(" - ");
    const [fstype, , sopts] = post.split(" ");
    const mp = pre.split(" ")[4].replace(
      /\\(\d{3})/g,
      (_, o) => String.fromCharCode(parseInt(o, 8)),
    );
    return [mp, fstype, sopts];
  });
}

function cgroupHierarchies(): Hierarchy[] {
  const seen = new Set<string>();
  const out: Hierarchy[] = [];
  for (const [mp, fstype, sopts] of hostMounts()) {
    if ((fstype !== "cgroup" && fstype !== "cgroup2") || !within(mp, "/sys/fs/cgroup")) continue;
    if (seen.has(mp)) continue;
    seen.add(mp);
    const options = sopts.split(",").filter((o) => o !== "rw" && o !== "ro");
    let own = "/";
    for (const line of readOr("/proc/self/cgroup").split("\n")) {
      const m = line.match(/^\d+:([^:]*):(.*)$/);
      if (!m) continue;
      const ours = fstype === "cgroup2"
        ? m[1] === ""
        : m[1] !== "" && m[1].split(",").every((c) => options.includes(c));
      if (ours) own = m[2].includes("/..") ? "/" : m[2];
    }
    out.push({
      mountpoint: mp,
      fstype,
      options: options.join(","),
      parent: own === "/" ? mp : `${mp}${own}`,
    });
  }
  return out;
}

/** Removes a cgroup directory tree bottom-up (cgroupfs only allows rmdir), retrying while busy. */
async function removeCgroup(dir: string): Promise<void> {
  const walk = (d: string): string[] => {
    const subs: string[] = [];
    try {
      for (const e of Deno.readDirSync(d)) if (e.isDirectory) subs.push(...walk(`${d}/${e.name}`));
    } catch {
      return [];
    }
    return [...subs, d];
  };
  for (let attempt = 0;; attempt++) {
    let busy = false;
    for (const d of walk(dir)) {
      try {
        Deno.removeSync(d);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) busy = true;
      }
    }
    if (!busy || attempt >= 50) return;
    await delay(20);
  }
}

function pidAlive(pid: number, cmdlineNeedle: string): boolean {
  return readOr(`/proc/${pid}/cmdline`).replaceAll("\0", " ").includes(cmdlineNeedle);
}

/** Cleans dirs (and their cgroups) left by a test process that died without shutdown(). */
async function cleanStale(base: string): Promise<void> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(base)];
  } catch {
    return;
  }
  for (const e of entries) {
    const dir = `${base}/${e.name}`;
    let state: State | null = null;
    try {
      state = JSON.parse(readOr(`${dir}/state.json`, "null"));
    } catch {
      // being written right now
    }
    if (state?.unsharePid && pidAlive(state.unsharePid, `${dir}/inner.sh`)) continue;
    // Another process may be between creating its dir and spawning unshare.
    let age = 0;
    try {
      age = Date.now() - (Deno.statSync(dir).mtime?.getTime() ?? 0);
    } catch {
      continue;
    }
    if (!state?.unsharePid && age < 60_000) continue;
    await removeLeftovers(dir, state).catch(() => {});
  }
}

/**
 * Creates the overlay dirs, the cgroups and the two setup scripts of a namespace in `dir`
 * (recording in `state` what has to be removed again).
 */
async function prepare(dir: string, state: State, overlays: string[]): Promise<Hierarchy[]> {
  const saveState = () => Deno.writeTextFileSync(`${dir}/state.json`, JSON.stringify(state));
  // Overlays: mount points on the host; a missing lower dir becomes an empty one.
  const mounts: string[] = [];
  for (const p of overlays) {
    const enc = encodeURIComponent(p.slice(1));
    let lower = p;
    if (!exists(p)) {
      lower = `${dir}/empty/${enc}`;
      await Deno.mkdir(lower, { recursive: true });
      if (!overlays.some((o) => o !== p && within(p, o))) {
        // The mount point has to exist on the host; remember each level created, deepest first.
        for (let a = p; a !== "/" && !exists(a); a = a.replace(/\/[^/]+$/, "") || "/") {
          state.createdHostDirs.push(a);
        }
        saveState();
        await Deno.mkdir(p, { recursive: true });
      }
    }
    await Deno.mkdir(`${dir}/upper/${enc}`, { recursive: true });
    await Deno.mkdir(`${dir}/work/${enc}`, { recursive: true });
    mounts.push(
      `mkdir -p ${quote(p)}`,
      `mount -t overlay overlay -o ${
        quote(`lowerdir=${lower},upperdir=${dir}/upper/${enc},workdir=${dir}/work/${enc}`)
      } ${quote(p)}`,
    );
  }

  // A dedicated cgroup per host hierarchy; the cgroup namespace is rooted there.
  const hierarchies = cgroupHierarchies();
  const cgName = `sa-ns-${dir.split("/").pop()}`;
  for (const h of hierarchies) {
    const cg = `${h.parent}/${cgName}`;
    await Deno.mkdir(cg);
    state.cgroups.push(cg);
    saveState();
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      if (exists(`${cg}/${f}`) && !readOr(`${cg}/${f}`).trim()) {
        await Deno.writeTextFile(`${cg}/${f}`, readOr(`${h.parent}/${f}`));
      }
    }
  }
  const unifiedOnly = hierarchies.some((h) => h.mountpoint === "/sys/fs/cgroup");
  const cgroupMounts = unifiedOnly
    ? ["mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup"]
    : [
      "mount -t tmpfs -o mode=0755,nosuid,nodev,noexec,size=64k tmpfs /sys/fs/cgroup",
      ...hierarchies.flatMap((h) => [
        `mkdir -p ${quote(h.mountpoint)}`,
        h.fstype === "cgroup2"
          ? `mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 ${quote(h.mountpoint)}`
          : `mount -t cgroup -o ${quote(`nosuid,nodev,noexec,${h.options}`)} cgroup ${
            quote(h.mountpoint)
          }`,
      ]),
      "mount -o remount,bind,ro /sys/fs/cgroup",
    ];

  // Mounts below the host's /dev (pts, shm, ...) to re-attach on top of the /dev overlay.
  const devSubmounts = [
    ...new Set(
      hostMounts().map(([mp]) => mp).filter((mp) => within(mp, "/dev") && mp !== "/dev"),
    ),
  ].sort((a, b) => a.split("/").length - b.split("/").length).map((mp) => mp.slice(5));
  await Deno.mkdir(`${dir}/upper/dev`, { recursive: true });
  await Deno.mkdir(`${dir}/work/dev`, { recursive: true });

  const keep = [ROOT.replace(/\/$/, ""), dir].filter((k, i, all) =>
    within(k, "/tmp") && !all.slice(0, i).some((o) => within(k, o))
  );
  const d = quote(dir);
  const inner = [
    "#!/bin/bash",
    "# generated by tests/systemd_ns.ts: runs as PID 1 of the new namespaces, then execs systemd",
    "set -eu",
    `d=${d}`,
    'for _ in $(seq 1000); do [ -e "$d/go" ] && break; sleep 0.01; done',
    '[ -e "$d/go" ] || { echo "host side never released the gate"; exit 1; }',
    "set -x",
    "mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run",
    `mkdir -p /run/lock /run/systemd/system ${CONTROL}`,
    // a work tree (or this namespace's own dir) under /tmp stays visible through the fresh /tmp
    ...keep.flatMap((
      k,
      i,
    ) => [`mkdir -p /run/sa-keep/${i}`, `mount --bind ${quote(k)} /run/sa-keep/${i}`]),
    "mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp",
    ...keep.flatMap((k, i) => [
      `mkdir -p ${quote(k)}`,
      `mount --bind /run/sa-keep/${i} ${quote(k)}`,
      `umount /run/sa-keep/${i}`,
    ]),
    ...(keep.length ? ["rmdir /run/sa-keep/* /run/sa-keep"] : []),
    ...mounts,
    // /dev: overlay over the devtmpfs so that e.g. /dev/log symlinks never reach the host.
    'mkdir -p "$d/mnt/dev"',
    'mount --rbind /dev "$d/mnt/dev"',
    'mount -t overlay overlay -o "lowerdir=/dev,upperdir=$d/upper/dev,workdir=$d/work/dev" /dev',
    ...devSubmounts.flatMap((rel) => [
      `mkdir -p ${quote(`/dev/${rel}`)}`,
      `mount --bind "$d/mnt/dev/"${quote(rel)} ${quote(`/dev/${rel}`)}`,
    ]),
    'umount -l "$d/mnt/dev"',
    // systemd (PID 1) logs to /dev/console and insists on a tty: a pty logged by script(1).
    ': > "$d/console.log"',
    `script -qf -E never -c 'stty -echo 2>/dev/null; trap "" HUP; exec sleep infinity' ` +
    '"$d/console.log" </dev/null >/dev/null 2>&1 &',
    "sp=$! pts=",
    "for _ in $(seq 500); do",
    '  c=$(tr -d " " < /proc/$sp/task/$sp/children 2>/dev/null || true)',
    '  if [ -n "$c" ]; then pts=$(readlink /proc/$c/fd/0 || true); case $pts in /dev/pts/*) break;; esac; fi',
    "  sleep 0.01",
    "done",
    'case $pts in /dev/pts/*) ;; *) echo "no console pty"; exit 1;; esac',
    'mount --bind "$pts" /dev/console',
    "mount --bind /proc/sys /proc/sys",
    "mount -o remount,bind,ro /proc/sys",
    "if [ -e /proc/sysrq-trigger ]; then",
    "  mount --bind /proc/sysrq-trigger /proc/sysrq-trigger",
    "  mount -o remount,bind,ro /proc/sysrq-trigger",
    "fi",
    ...cgroupMounts,
    "mount -o remount,bind,ro /sys",
    `cat > /run/systemd/system/${TARGET} <<'EOF'`,
    "[Unit]",
    "Description=syscall-audit test namespace",
    "DefaultDependencies=no",
    "EOF",
    ...ALWAYS_MASKED.map((u) => `ln -s /dev/null ${CONTROL}/${u}`),
    `mkdir -p ${CONTROL}/systemd-journald.service.d`,
    `printf '[Service]\\nCapabilityBoundingSet=~CAP_AUDIT_CONTROL CAP_AUDIT_READ\\n' ` +
    `> ${CONTROL}/systemd-journald.service.d/50-sa-ns.conf`,
    "findmnt -l -o TARGET,FSTYPE,OPTIONS",
    `exec env -i container=other PATH=${PATH} LANG=C.UTF-8 SYSTEMD_COLORS=0 ${SYSTEMD} ` +
    `--system --unit=${TARGET} --log-target=console --log-level=info ` +
    "</dev/null >/dev/console 2>&1",
    "",
  ].join("\n");
  Deno.writeTextFileSync(`${dir}/inner.sh`, inner);
  const outer = [
    "#!/bin/bash",
    "set -eu",
    `exec >>${quote(`${dir}/setup.log`)} 2>&1`,
    ...state.cgroups.map((cg) => `echo $$ > ${quote(`${cg}/cgroup.procs`)}`),
    "exec setpriv --pdeathsig KILL -- unshare --fork --pid --mount --uts --cgroup --mount-proc " +
    `--propagation private --kill-child=SIGKILL -- /bin/bash ${quote(`${dir}/inner.sh`)}`,
    "",
  ].join("\n");
  Deno.writeTextFileSync(`${dir}/outer.sh`, outer);
  return hierarchies;
}

/** Removes what {@link prepare} created on the host (the namespace must be gone). */
async function removeLeftovers(dir: string, state: State | null): Promise<void> {
  for (const cg of state?.cgroups ?? []) await removeCgroup(cg);
  for (const d of state?.createdHostDirs ?? []) await Deno.remove(d).catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/**
 * systemd booted as PID 1 of its own namespaces; see the module doc for what is isolated.
 *
 * ```ts
 * const ns = await SystemdNamespace.boot();
 * try {
 *   await ns.writeFile("/etc/systemd/system/x.service", "[Service]\nExecStart=/bin/sleep infinity\n");
 *   await ns.systemctl("daemon-reload");
 *   await ns.systemctl("start", "x.service");
 * } finally {
 *   await ns.shutdown();
 * }
 * ```
 */
export class SystemdNamespace {
  /** systemd's pid as seen from the host. */
  readonly pid: number;
  /** Temp dir of this namespace (logs, overlay work dirs); removed by {@link shutdown}. */
  readonly dir: string;
  /** Holds one overlay upper dir per overlaid path, see {@link upperOf}: what the namespace wrote. */
  readonly upper: string;
  /** systemd's console (its log and status lines); `\r` included. */
  readonly consoleLog: string;

  readonly #child: Deno.ChildProcess;
  readonly #state: State;
  #bootMs = 0;
  #masked: string[] = [];
  #shutdown?: Promise<void>;

  private constructor(child: Deno.ChildProcess, pid: number, dir: string, state: State) {
    this.#child = child;
    this.pid = pid;
    this.dir = dir;
    this.upper = `${dir}/upper`;
    this.consoleLog = `${dir}/console.log`;
    this.#state = state;
  }

  /** Milliseconds from spawn until systemd answered and the masks/journald were in place. */
  get bootMs(): number {
    return this.#bootMs;
  }

  /** Units masked inside (always-masked list + closure of the neutralized targets). */
  get masked(): readonly string[] {
    return this.#masked;
  }

  /** The namespace's cgroup in each host hierarchy (host paths); removed by {@link shutdown}. */
  get cgroups(): readonly string[] {
    return this.#state.cgroups;
  }

  /** The overlay upper dir (on the host) of an overlaid path such as "/etc" or "/dev". */
  upperOf(path: string): string {
    return `${this.dir}/upper/${encodeURIComponent(path.replace(/^\/+/, ""))}`;
  }

  /**
   * Boots systemd in fresh namespaces and waits until `systemctl is-system-running` answers
   * running/degraded. Throws (after cleaning up) with the tail of systemd's console on failure.
   */
  static async boot(opts: BootOptions = {}): Promise<SystemdNamespace> {
    if (Deno.uid() !== 0) throw new Error("SystemdNamespace needs root");
    const t0 = performance.now();
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const base = opts.baseDir ?? `${ROOT}build/systemd-ns`;
    const overlays = [...new Set(opts.overlays ?? DEFAULT_OVERLAYS)]
      .map((p) => p.replace(/\/+$/, "") || "/")
      .sort((a, b) => a.split("/").length - b.split("/").length);
    for (const p of overlays) {
      if (!p.startsWith("/") || /[,:\\\s]|\/\.\.?(\/|$)/.test(p)) {
        throw new Error(`overlay path not supported: ${JSON.stringify(p)}`);
      }
      if (RESERVED.some((r) => p === r || within(p, r) && r !== "/")) {
        throw new Error(`${p} is namespace-private already; cannot overlay it`);
      }
    }
    await Deno.mkdir(base, { recursive: true });
    const realBase = await Deno.realPath(base);
    if (/[,:\\\s]/.test(realBase)) {
      throw new Error(`baseDir unusable in mount options: ${realBase}`);
    }
    for (const p of [...overlays, "/run", "/dev", "/proc", "/sys"]) {
      if (within(realBase, p)) throw new Error(`baseDir ${realBase} must not be under ${p}`);
    }
    await cleanStale(realBase);

    const id = crypto.randomUUID().slice(0, 8);
    const dir = `${realBase}/${id}`;
    await Deno.mkdir(`${dir}/upper`, { recursive: true });
    const state: State = { unsharePid: 0, cgroups: [], createdHostDirs: [] };
    const saveState = () => Deno.writeTextFileSync(`${dir}/state.json`, JSON.stringify(state));
    saveState();

    let hierarchies: Hierarchy[];
    let child: Deno.ChildProcess;
    try {
      hierarchies = await prepare(dir, state, overlays);
      child = new Deno.Command("/bin/bash", {
        args: [`${dir}/outer.sh`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
        clearEnv: true,
        env: { PATH, LANG: "C.UTF-8" },
      }).spawn();
    } catch (e) {
      await removeLeftovers(dir, state);
      throw e;
    }
    state.unsharePid = child.pid;
    saveState();
    let exited = false;
    child.status.then(() => exited = true);

    let systemdPid = 0;
    let last = "";
    const fail = async (why: string): Promise<never> => {
      const msg = `SystemdNamespace.boot() (${dir}): ${why}\n--- setup.log (tail) ---\n${
        tail(`${dir}/setup.log`, 15)
      }\n--- console.log (tail) ---\n${tail(`${dir}/console.log`)}`;
      await new SystemdNamespace(child, systemdPid, dir, state).shutdown();
      throw new Error(msg);
    };
    const deadline = t0 + timeoutMs;
    const childOf = (pid: number) =>
      Number(readOr(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)[0]) || 0;

    // 1. unshare has forked: move it back out of the namespace's cgroup (whose root then holds
    // only systemd), then release the gate.
    let initPid = 0;
    while (
      !(initPid = childOf(child.pid)) || readOr(`/proc/${child.pid}/comm`).trim() !== "unshare"
    ) {
      if (exited) return await fail("namespace setup exited early");
      if (performance.now() > deadline) return await fail("unshare did not start");
      await delay(5);
    }
    for (const h of hierarchies) {
      await Deno.writeTextFile(`${h.parent}/cgroup.procs`, String(child.pid));
    }
    await Deno.writeTextFile(`${dir}/go`, "");

    // 2. the inner script has exec'ed systemd.
    while (readOr(`/proc/${initPid}/comm`).trim() !== "systemd") {
      if (exited) return await fail("namespace setup exited before exec'ing systemd");
      if (performance.now() > deadline) return await fail("systemd was not exec'ed in time");
      await delay(5);
    }
    systemdPid = initPid;
    const ns = new SystemdNamespace(child, systemdPid, dir, state);

    // 3. systemd answers on its private socket.
    for (;;) {
      if (exited) return await fail("systemd exited");
      const r = await ns.systemctl("is-system-running");
      last = (r.stdout + r.stderr).trim();
      if (r.stdout.trim() === "running" || r.stdout.trim() === "degraded") break;
      if (performance.now() > deadline) {
        return await fail(
          `systemd did not reach running/degraded within ${timeoutMs} ms (last answer: ${last})`,
        );
      }
      await delay(10);
    }

    // 4. mask whatever DefaultDependencies/network targets would pull in, then journald.
    const journald = opts.journald ?? true;
    try {
      ns.#masked = await ns.#neutralize(new Set([...(opts.keepUnmasked ?? []), ...JOURNALD_UNITS]));
      if (journald) {
        const r = await ns.systemctl("start", ...JOURNALD_UNITS);
        if (r.code !== 0) throw new Error(`starting journald failed: ${r.stderr}`);
      }
    } catch (e) {
      return await fail(String(e));
    }
    ns.#bootMs = performance.now() - t0;
    return ns;
  }

  async #neutralize(keep: Set<string>): Promise<string[]> {
    const deps = await this.systemctl(
      "list-dependencies",
      "--all",
      "--plain",
      "--no-legend",
      ...NEUTRALIZED_TARGETS,
    );
    if (deps.code !== 0) throw new Error(`list-dependencies failed: ${deps.stderr}`);
    const active = await this.systemctl(
      "list-units",
      "--all",
      "--state=active",
      "--plain",
      "--no-legend",
    );
    const activeUnits = new Set(
      active.stdout.split("\n").map((l) => l.replace(/^[\s●*]+/, "").split(/\s+/)[0]),
    );
    const names = new Set(deps.stdout.split("\n").map((l) => l.trim()).filter((l) => l));
    const toMask = [...names].filter((u) =>
      !/\.(target|slice|scope|device)$/.test(u) && !activeUnits.has(u) && !keep.has(u) &&
      !ALWAYS_MASKED.includes(u)
    ).sort();
    if (toMask.length) {
      const r = await this.run([
        "sh",
        "-c",
        `cd ${CONTROL} && for u; do ln -sfn /dev/null "$u"; done`,
        "sh",
        ...toMask,
      ]);
      if (r.code !== 0) throw new Error(`masking failed: ${r.stderr}`);
    }
    const reload = await this.systemctl("daemon-reload");
    if (reload.code !== 0) throw new Error(`daemon-reload failed: ${reload.stderr}`);
    return [...ALWAYS_MASKED, ...toMask];
  }

  /**
   * Runs `cmd` inside the namespace (nsenter into systemd's mount, PID, UTS and cgroup
   * namespaces, root and cwd) with a minimal environment.
   */
  async run(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (this.#shutdown) throw new Error("SystemdNamespace is shut down");
    const child = new Deno.Command("nsenter", {
      args: ["-t", String(this.pid), "-m", "-p", "-u", "-C", "-r", "-w", "--", ...cmd],
      clearEnv: true,
      env: {
        PATH,
        LANG: "C.UTF-8",
        HOME: "/root",
        TERM: "dumb",
        SYSTEMD_COLORS: "0",
        SYSTEMD_PAGER: "cat",
        ...opts.env,
      },
      stdin: opts.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const feed = async () => {
      if (opts.stdin === undefined) return;
      const w = child.stdin.getWriter();
      try {
        await w.write(new TextEncoder().encode(opts.stdin));
        await w.close();
      } catch {
        // the command exited without reading everything
      }
    };
    const [, out] = await Promise.all([feed(), child.output()]);
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  }

  /** `systemctl --no-pager ARGS...` inside the namespace. */
  systemctl(...args: string[]): Promise<RunResult> {
    return this.run(["systemctl", "--no-pager", ...args]);
  }

  /** Writes a file inside the namespace (parent dirs created), e.g. a unit under /etc. */
  async writeFile(path: string, text: string): Promise<void> {
    const r = await this.run(["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", path], {
      stdin: text,
    });
    if (r.code !== 0) throw new Error(`writeFile ${path}: ${r.stderr}`);
  }

  /**
   * Kills the namespace (SIGKILL to its PID 1 takes every process inside along), removes its
   * cgroups and temp dir. Idempotent; safe in `finally`.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#teardown();
    return this.#shutdown;
  }

  async #teardown(): Promise<void> {
    const unshare = this.#child.pid;
    const ppid = (pid: number) => Number(readOr(`/proc/${pid}/stat`).split(") ")[1]?.split(" ")[1]);
    let killed = false;
    if (this.pid && ppid(this.pid) === unshare) {
      try {
        Deno.kill(this.pid, "SIGKILL");
        killed = true;
      } catch {
        // already gone
      }
    }
    // unshare exits once its child (our PID 1) is gone; --kill-child covers the other way round.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = killed && await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((r) => timer = setTimeout(() => r(false), 5000)),
    ]);
    clearTimeout(timer);
    if (!done) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.#child.status;
    await removeLeftovers(this.dir, this.#state);
  }
}
