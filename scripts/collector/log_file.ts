/**
 * The local audit log: append-only, mode 0600, reopened when logrotate
 * renames it, never truncated. A torn last line (crash) is closed with "\n"
 * before anything new is written, so it can never glue onto the next line.
 * A low-disk guard drops (and counts) lines below a free-space threshold.
 *
 * @module
 */

import { cstr, openLibc } from "./libbpf_ffi.ts";

export interface LogFileOptions {
  /** Stop writing while the file system has less free space than this. @default {64 MiB} */
  minFreeBytes?: number;
  /** File mode of a new log. @default {0o600} */
  mode?: number;
  /** Called after each successful write with the bytes that reached the file (the tamper chain). */
  onWritten?: (bytes: Uint8Array) => void;
}

/** Counters of what the writer could not keep. */
export interface WriterCounters {
  /** lines dropped by the low-disk guard */
  disk_dropped: number;
  /** lines lost to write errors (ENOSPC past the guard, EIO) */
  write_lost: number;
  /** torn lines closed with "\n" on open */
  torn_closed: number;
  /** reopens (rotation, SIGHUP) */
  reopens: number;
}

const STATVFS_SIZE = 112;

/** Free bytes of the file system holding `path` (f_bavail * f_frsize: root's reserve left alone). */
export function freeBytes(path: string): number {
  const buf = new Uint8Array(STATVFS_SIZE);
  if (openLibc().statvfs(cstr(path), buf) !== 0) return Number.POSITIVE_INFINITY;
  const dv = new DataView(buf.buffer);
  // struct statvfs (x86_64/arm64 glibc): f_bsize, f_frsize, f_blocks, f_bfree, f_bavail (unsigned long)
  const frsize = Number(dv.getBigUint64(8, true));
  const bavail = Number(dv.getBigUint64(32, true));
  return frsize * bavail;
}

export class AuditLogFile {
  readonly path: string;
  readonly counters: WriterCounters = {
    disk_dropped: 0,
    write_lost: 0,
    torn_closed: 0,
    reopens: 0,
  };
  #file: Deno.FsFile | undefined;
  #ino = 0;
  #dev = 0;
  #minFree: number;
  #mode: number;
  #onWritten: ((bytes: Uint8Array) => void) | undefined;
  /** a write failed part-way: the file ends inside a line */
  #tornTail = false;
  /** the guard is holding writes back */
  guarding = false;

  constructor(path: string, options: LogFileOptions = {}) {
    this.path = path;
    this.#minFree = options.minFreeBytes ?? 64 * 1024 * 1024;
    this.#mode = options.mode ?? 0o600;
    this.#onWritten = options.onWritten;
  }

  /** Opens (creating with mode 0600) for append, closing a torn last line first. */
  open(): void {
    const file = Deno.openSync(this.path, { append: true, create: true, mode: this.#mode });
    const st = file.statSync();
    // an existing file keeps root-only access whatever created it
    if (((st.mode ?? 0) & 0o777) !== this.#mode) Deno.chmodSync(this.path, this.#mode);
    const uid = Deno.uid();
    if (uid !== null && st.uid !== uid) Deno.chownSync(this.path, uid, Deno.gid());
    this.#file?.close();
    this.#file = file;
    this.#ino = st.ino ?? 0;
    this.#dev = st.dev;
    this.#tornTail = false;
    if (st.size > 0) {
      const last = new Uint8Array(1);
      const r = Deno.openSync(this.path, { read: true });
      try {
        r.seekSync(st.size - 1, Deno.SeekMode.Start);
        r.readSync(last);
      } finally {
        r.close();
      }
      if (last[0] !== 0x0a) {
        this.#tornTail = true;
        this.counters.torn_closed++;
      }
    }
  }

  /** True when the path no longer names the open file (renamed or deleted by logrotate). */
  rotated(): boolean {
    try {
      const st = Deno.statSync(this.path);
      return st.ino !== this.#ino || st.dev !== this.#dev;
    } catch {
      return true;
    }
  }

  /** Reopens the path (after rotation or on SIGHUP). Pending data must be written first. */
  reopen(): void {
    this.counters.reopens++;
    this.open();
  }

  /** Checks the free-space guard; returns true when writes may go ahead. */
  checkDisk(): boolean {
    const slash = this.path.lastIndexOf("/");
    const dir = slash > 0 ? this.path.slice(0, slash) : slash === 0 ? "/" : ".";
    this.guarding = freeBytes(dir) < this.#minFree;
    return !this.guarding;
  }

  /**
   * Writes whole lines (`lines` of them in `data`). Returns false when the
   * data could not be written (and was counted as lost).
   */
  write(data: Uint8Array, lines: number): boolean {
    if (data.length === 0) return true;
    const file = this.#file;
    if (!file) throw new TypeError(`Cannot write "${this.path}": not open`);
    if (this.guarding) {
      this.counters.disk_dropped += lines;
      return false;
    }
    let off = 0;
    try {
      if (this.#tornTail) {
        // end the torn fragment so it stays a line of its own
        const lf = new Uint8Array([0x0a]);
        if (file.writeSync(lf) !== 1) throw new Error("short write");
        this.#onWritten?.(lf);
        this.#tornTail = false;
      }
      while (off < data.length) {
        const n = file.writeSync(data.subarray(off));
        this.#onWritten?.(data.subarray(off, off + n));
        off += n;
      }
      return true;
    } catch {
      // lines wholly written are kept; the rest is lost; a partial line is a torn tail
      let written = 0;
      for (let i = 0; i < off; i++) if (data[i] === 0x0a) written++;
      this.counters.write_lost += lines - written;
      if (off > 0 && data[off - 1] !== 0x0a) this.#tornTail = true;
      return false;
    }
  }

  /** Flushes to the disk (at exit). */
  sync(): void {
    try {
      this.#file?.syncSync();
    } catch {
      // best effort
    }
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
