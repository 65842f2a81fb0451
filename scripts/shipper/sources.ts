/**
 * Finds the closed log files of a directory: logrotate's rotated names of
 * the live log (`<log>.1`, `<log>.2.gz`, `<log>-20261127`, `<log>-20261127.gz`,
 * ...), never the live log itself, and not a file any process still has
 * open for writing (the collector before it reopens, gzip while logrotate
 * compresses) or modified less than `minAgeMs` ago. Every candidate is opened
 * once without following symlinks and checked on its descriptor
 * ({@link openTrusted}): a symlink, FIFO, device, or a file not owned by the
 * shipper's uid or writable by group/others is refused, never read.
 *
 * @module
 */

import { closeFd, FdReader, openTrusted, UnsafePathError } from "./safe_open.ts";

/** A rotated file ready to ship, held open: it is read through `fd` only. */
export interface SourceFile {
  name: string;
  path: string;
  /** the descriptor checked by {@link openTrusted}; {@link closeSources} closes it */
  fd: number;
  /** bytes when picked: the only bytes shipped in this run */
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

/** A rotated name that is not a trusted regular file: never read, left in place. */
export interface RefusedFile {
  name: string;
  why: string;
}

/** Options of {@link findClosedFiles}. */
export interface FindOptions {
  /** a file must be unmodified this long, ms. @default 60000 */
  minAgeMs?: number;
  /** the time now, ms. @default Date.now() */
  now?: number;
  /** the only owner trusted. @default the shipper's own uid */
  uid?: number;
  /** files held open at once (each is read through its descriptor); the younger rest wait for a later run. @default 256 */
  maxOpen?: number;
}

/** Rotated names of `liveName`: a "." or "-" suffix starting with a digit, then optional ".gz". */
export function rotatedPattern(liveName: string): RegExp {
  const esc = liveName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${esc}[.-]\\d[\\d_-]*(?:\\.\\d+)?(\\.gz)?$`);
}

/**
 * Scans `dir` (its own safety is the caller's to check). Ready files are
 * oldest first (by mtime, then name) and open: the caller closes them with
 * {@link closeSources}.
 */
export async function findClosedFiles(
  dir: string,
  liveName: string,
  options: FindOptions = {},
): Promise<{ ready: SourceFile[]; busy: BusyFile[]; refused: RefusedFile[] }> {
  const pattern = rotatedPattern(liveName);
  const now = options.now ?? Date.now();
  const minAge = options.minAgeMs ?? 60_000;
  const maxOpen = options.maxOpen ?? 256;
  const real = await Deno.realPath(dir);
  // oldest first by the names' lstat (only an order: the descriptor's fstat decides)
  const names: { name: string; path: string; mtimeMs: number }[] = [];
  for await (const e of Deno.readDir(real)) {
    if (!pattern.test(e.name)) continue;
    const path = `${real}/${e.name}`;
    const st = await Deno.lstat(path).catch(() => undefined); // gone meanwhile
    if (st) names.push({ name: e.name, path, mtimeMs: st.mtime?.getTime() ?? 0 });
  }
  names.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  const candidates: Omit<SourceFile, "gz">[] = [];
  const refused: RefusedFile[] = [];
  const busy: BusyFile[] = [];
  for (const { name, path } of names) {
    if (candidates.length >= maxOpen) {
      busy.push({ name, why: `${maxOpen} older files are open in this run already` });
      continue;
    }
    try {
      candidates.push({ name, path, ...openTrusted(path, name, options.uid) });
    } catch (err) {
      if (err instanceof UnsafePathError) refused.push({ name, why: err.message });
      // else: gone meanwhile
    }
  }
  const ready: SourceFile[] = [];
  // the /proc walk only when there is something to ship (most cron runs have nothing)
  const writers = candidates.length ? await filesOpenForWriting(real) : new Map<string, number>();
  for (const c of candidates) {
    const w = writers.get(`${c.dev}:${c.ino}`);
    const why = w
      ? `open for writing by pid ${w}`
      : now - c.mtimeMs < minAge
      ? `modified ${Math.round((now - c.mtimeMs) / 1000)} s ago`
      : undefined;
    if (why) {
      busy.push({ name: c.name, why });
      closeFd(c.fd);
      continue;
    }
    ready.push({ ...c, gz: c.name.endsWith(".gz") || await hasGzipMagic(c) });
  }
  ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  refused.sort((a, b) => a.name.localeCompare(b.name));
  return { ready, busy, refused };
}

/**
 * Closes the descriptor of a source (once; later calls do nothing). A deleted
 * file's space is only freed when its last descriptor is closed.
 */
export function closeSource(src: SourceFile): void {
  if (src.fd < 0) return;
  closeFd(src.fd);
  src.fd = -1;
}

/** Closes the descriptors of {@link findClosedFiles}' ready files. */
export function closeSources(files: SourceFile[]): void {
  for (const f of files) closeSource(f);
}

/** A reader of the bytes of `src` that were there when it was picked. */
export function sourceReader(src: SourceFile): FdReader {
  return new FdReader(src.fd, 0, src.size, src.name);
}

async function hasGzipMagic(src: Omit<SourceFile, "gz">): Promise<boolean> {
  const head = new Uint8Array(2);
  const r = new FdReader(src.fd, 0, Math.min(2, src.size), src.name);
  const n = (await r.read(head)) ?? 0;
  return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
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
