/**
 * Finds the closed log files of a directory: logrotate's rotated names of
 * the live log (`<log>.1`, `<log>.2.gz`, `<log>-20261127`, `<log>-20261127.gz`,
 * ...), never the live log itself, and not a file any process still has
 * open for writing (the collector before it reopens, gzip while logrotate
 * compresses) or modified less than `minAgeMs` ago.
 *
 * @module
 */

import { isGzip } from "../lib/gunzip.ts";

/** A rotated file ready to ship. */
export interface SourceFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
  /** gzip-compressed (by name or by its magic bytes) */
  gz: boolean;
}

/** A rotated file left for a later run, and why. */
export interface BusyFile {
  name: string;
  why: string;
}

/** Rotated names of `liveName`: a "." or "-" suffix starting with a digit, then optional ".gz". */
export function rotatedPattern(liveName: string): RegExp {
  const esc = liveName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${esc}[.-]\\d[\\d_-]*(?:\\.\\d+)?(\\.gz)?$`);
}

/** Scans `dir`. Oldest first (by mtime, then name). */
export async function findClosedFiles(
  dir: string,
  liveName: string,
  options: { minAgeMs?: number; now?: number } = {},
): Promise<{ ready: SourceFile[]; busy: BusyFile[] }> {
  const pattern = rotatedPattern(liveName);
  const now = options.now ?? Date.now();
  const minAge = options.minAgeMs ?? 60_000;
  const real = await Deno.realPath(dir);
  const candidates: { name: string; path: string; st: Deno.FileInfo }[] = [];
  for await (const e of Deno.readDir(real)) {
    if (!e.isFile || !pattern.test(e.name)) continue;
    const path = `${real}/${e.name}`;
    try {
      const st = await Deno.lstat(path);
      if (st.isFile) candidates.push({ name: e.name, path, st });
    } catch {
      // gone meanwhile
    }
  }
  const ready: SourceFile[] = [];
  const busy: BusyFile[] = [];
  // the /proc walk only when there is something to ship (most cron runs have nothing)
  const writers = candidates.length ? await filesOpenForWriting(real) : new Map<string, number>();
  for (const { name, path, st } of candidates) {
    const w = writers.get(`${st.dev}:${st.ino}`);
    if (w) {
      busy.push({ name, why: `open for writing by pid ${w}` });
      continue;
    }
    const mtimeMs = st.mtime?.getTime() ?? 0;
    if (now - mtimeMs < minAge) {
      busy.push({ name, why: `modified ${Math.round((now - mtimeMs) / 1000)} s ago` });
      continue;
    }
    ready.push({
      name,
      path,
      size: st.size,
      mtimeMs,
      dev: st.dev,
      ino: st.ino ?? 0,
      gz: name.endsWith(".gz") || await hasGzipMagic(path),
    });
  }
  ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  return { ready, busy };
}

async function hasGzipMagic(path: string): Promise<boolean> {
  const f = await Deno.open(path);
  try {
    return await isGzip(f);
  } finally {
    f.close();
  }
}

/**
 * "dev:ino" -> pid of every file under `dir` some process has open for
 * writing, from /proc/<pid>/fd and fdinfo (empty where /proc is not readable).
 */
export async function filesOpenForWriting(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let procs: Deno.DirEntry[];
  try {
    procs = await Array.fromAsync(Deno.readDir("/proc"));
  } catch {
    return out;
  }
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  for (const p of procs) {
    if (!/^\d+$/.test(p.name) || Number(p.name) === Deno.pid) continue;
    let fds: Deno.DirEntry[];
    try {
      fds = await Array.fromAsync(Deno.readDir(`/proc/${p.name}/fd`));
    } catch {
      continue; // exited, or not ours to read
    }
    for (const fd of fds) {
      try {
        const target = await Deno.readLink(`/proc/${p.name}/fd/${fd.name}`);
        if (!target.startsWith(prefix)) continue;
        const info = await Deno.readTextFile(`/proc/${p.name}/fdinfo/${fd.name}`);
        const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? "0", 8);
        if ((flags & 3) === 0) continue; // O_RDONLY
        const st = await Deno.stat(`/proc/${p.name}/fd/${fd.name}`);
        out.set(`${st.dev}:${st.ino}`, Number(p.name));
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return out;
}
