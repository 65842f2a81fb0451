/**
 * The local audit log: append-only, mode 0600, reopened when logrotate
 * renames it, never truncated. A torn last line (crash) is closed with "\n"
 * before anything new is written, so it can never glue onto the next line.
 *
 * Opening (start, rotation, SIGHUP) never follows a symlink and touches the
 * file only through its descriptor:
 * - the directory is opened once per open (`O_PATH`) and the log is opened
 *   in it with `O_NOFOLLOW|O_NONBLOCK` (a planted FIFO neither hangs nor is
 *   used); anything but a regular file with one link is refused;
 * - ownership and mode are set with `fchown`/`fchmod`, the torn-tail check
 *   reads the last byte with `pread` on the same descriptor (so the log is
 *   opened read-write: `pread` needs a readable descriptor);
 * - the directory: refused when it belongs to another user (not root) or
 *   others may write in it without the sticky bit (they could rename the log
 *   and put their own file in its place); a group-writable one without the
 *   sticky bit is warned about (Ubuntu's /var/log is root:syslog 0775); in a
 *   directory others may write to, a log or lock another user owns is
 *   refused (they may hold it open).
 *
 * One collector per log: `<log>.lock` (beside the log, never rotated:
 * logrotate renames only the log) is opened the same way and held with
 * `flock(LOCK_EX|LOCK_NB)` for the life of the writer; it holds the holder's
 * pid. It is never removed (an unlink would let two collectors lock two
 * inodes). A lock on the log itself would not do: after a rename the path
 * names a new, unlocked file.
 *
 * A failed reopen (rotation into a full or replaced directory, EACCES) keeps
 * the old descriptor, counts `reopen_failures`, warns once and retries at
 * most once per `reopenRetryMs`; the run writes a `recover` stats record
 * when it works again (`takeRecovered()`), as after failed writes. When the
 * old file has been deleted meanwhile (no name left), lines are held in
 * memory (up to `holdBytes`, then counted as `write_lost`) and written to the
 * new file first.
 *
 * A low-disk guard holds exec lines back (and counts them) below a space
 * threshold, measured as what this writer can use (root, or
 * CAP_SYS_RESOURCE: the free blocks, the reserve included; others: the
 * blocks available to them). `S1` lines always pass: they carry the counts.
 *
 * @module
 */

import { concatBytes } from "../lib/text_bytes.ts";
import { cstr, errnoText, lastErrno, openLibc } from "./libbpf_ffi.ts";

export interface LogFileOptions {
  /** Hold exec lines back while the file system has less usable space than this (S1 lines pass). @default {64 MiB} */
  minFreeBytes?: number;
  /** File mode of the log and of its lock, set on the descriptor at each open. @default {0o600} */
  mode?: number;
  /** Least time between two attempts of a reopen that keeps failing, ms. @default {1000} */
  reopenRetryMs?: number;
  /** Bytes held in memory while a reopen fails and the old file is deleted (no name left). @default {8 MiB} */
  holdBytes?: number;
  /**
   * Called, in order, with exactly the bytes that reached the file (each
   * successful write's bytes, the LF that closes a torn tail, the written
   * prefix of a partial write). The view is valid during the call only.
   * @default {none}
   */
  onWritten?: (bytes: Uint8Array) => void;
  /** One-line warnings (group-writable directory, failing reopen, too small a file system). @default {console.error} */
  onWarning?: (message: string) => void;
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
  /** reopens that failed (the old file is kept, the reopen retried) */
  reopen_failures: number;
}

const ARM64 = Deno.build.arch === "aarch64";
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_NOCTTY = 0o400;
const O_APPEND = 0o2000;
const O_NONBLOCK = 0o4000;
const O_DIRECTORY = ARM64 ? 0o40000 : 0o200000;
const O_NOFOLLOW = ARM64 ? 0o100000 : 0o400000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const STATX_BASIC_STATS = 0x7ff;
const LOCK_EX = 2;
const LOCK_NB = 4;
const EINTR = 4;
const ENXIO = 6;
const EAGAIN = 11;
const EISDIR = 21;
const ELOOP = 40;
const LF = 0x0a;
const STATVFS_SIZE = 112;
const MiB = 1024 * 1024;

/** What statx says of a file (the fields used here). */
interface FileStat {
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  ino: bigint;
  /** "major:minor" */
  dev: string;
  size: number;
}

const KINDS: Record<number, string> = {
  0o010000: "fifo",
  0o020000: "character device",
  0o040000: "directory",
  0o060000: "block device",
  0o120000: "symbolic link",
  0o140000: "socket",
};

/** statx(dirfd, path, flags); undefined + errno on failure. */
function statAt(dirfd: number, path: string, flags: number): FileStat | undefined {
  const buf = new Uint8Array(256);
  if (openLibc().statx(dirfd, cstr(path), flags, STATX_BASIC_STATS, buf) !== 0) return undefined;
  const dv = new DataView(buf.buffer);
  return {
    nlink: dv.getUint32(16, true),
    uid: dv.getUint32(20, true),
    gid: dv.getUint32(24, true),
    mode: dv.getUint16(28, true),
    ino: dv.getBigUint64(32, true),
    size: Number(dv.getBigUint64(40, true)),
    dev: `${dv.getUint32(136, true)}:${dv.getUint32(140, true)}`,
  };
}

/** The space numbers of a statvfs buffer (x86_64/arm64 glibc layout). */
interface Space {
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

function space(buf: Uint8Array<ArrayBuffer>): Space {
  const dv = new DataView(buf.buffer);
  // f_bsize, f_frsize, f_blocks, f_bfree, f_bavail (unsigned long)
  return {
    frsize: Number(dv.getBigUint64(8, true)),
    blocks: Number(dv.getBigUint64(16, true)),
    bfree: Number(dv.getBigUint64(24, true)),
    bavail: Number(dv.getBigUint64(32, true)),
  };
}

let privilegedCache: boolean | undefined;

/**
 * True when this process may use a file system's reserved blocks: fsuid 0
 * (ext4's default resuid) or CAP_SYS_RESOURCE in the effective set.
 */
export function usesReserve(): boolean {
  if (privilegedCache === undefined) {
    try {
      const status = Deno.readTextFileSync("/proc/self/status");
      const fsuid = /^Uid:\s+\d+\s+\d+\s+\d+\s+(\d+)/m.exec(status)?.[1];
      const capEff = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? "0";
      privilegedCache = fsuid === "0" || (BigInt(`0x${capEff}`) & (1n << 24n)) !== 0n;
    } catch {
      privilegedCache = Deno.uid() === 0;
    }
  }
  return privilegedCache;
}

/** Bytes this process can still use of a file system's space. */
function usable(s: Space, reserve: boolean): number {
  return s.frsize * (reserve ? s.bfree : s.bavail);
}

/**
 * Free bytes of the file system holding `path`, as the collector's guard
 * counts them: f_bfree for a writer that may use the reserve (root), else
 * f_bavail. Infinity when it cannot be measured.
 */
export function freeBytes(path: string, reserve: boolean = usesReserve()): number {
  const buf = new Uint8Array(STATVFS_SIZE);
  if (openLibc().statvfs(cstr(path), buf) !== 0) return Number.POSITIVE_INFINITY;
  return usable(space(buf), reserve);
}

export class AuditLogFile {
  readonly path: string;
  readonly counters: WriterCounters = {
    disk_dropped: 0,
    write_lost: 0,
    torn_closed: 0,
    reopens: 0,
    reopen_failures: 0,
  };
  /** the lock file beside the log */
  readonly lockPath: string;
  /** the guard is holding exec lines back */
  guarding = false;
  #dir: string;
  #base: string;
  #fd = -1;
  #lockFd = -1;
  #ino = 0n;
  #dev = "";
  #minFree: number;
  #mode: number;
  #retryMs: number;
  #onWritten?: (bytes: Uint8Array) => void;
  #warn: (message: string) => void;
  /** a write failed part-way: the file ends inside a line */
  #tornTail = false;
  #reopenFailing = false;
  #lastTry = 0;
  #writeFailing = false;
  #recovered = false;
  #holdMax: number;
  /** lines for the next file: the reopen fails and the old file has no name left */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #heldLines = 0;
  #opened = false;

  constructor(path: string, options: LogFileOptions = {}) {
    this.path = path;
    this.lockPath = `${path}.lock`;
    const slash = path.lastIndexOf("/");
    this.#dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
    this.#base = path.slice(slash + 1);
    this.#minFree = options.minFreeBytes ?? 64 * MiB;
    this.#mode = options.mode ?? 0o600;
    this.#retryMs = options.reopenRetryMs ?? 1000;
    this.#holdMax = options.holdBytes ?? 8 * MiB;
    this.#onWritten = options.onWritten;
    this.#warn = options.onWarning ?? ((m) => console.error(m));
  }

  /**
   * Opens (creating with mode 0600) for append, closing a torn last line
   * first; the first open also takes the lock. Throws a one-line error.
   */
  open(): void {
    if (this.#base === "" || this.#base === "." || this.#base === "..") {
      throw new Error(`Cannot open log "${this.path}": not a file name`);
    }
    const libc = openLibc();
    const first = !this.#opened;
    const dfd = this.#openDir(first);
    try {
      if (this.#lockFd < 0) this.#lock(dfd);
      const { fd, st } = this.#openIn(
        dfd,
        this.#base,
        O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
        `log "${this.path}"`,
      );
      let torn = false;
      if (st.size > 0) {
        const last = new Uint8Array(1);
        if (Number(libc.pread(fd, last, 1n, BigInt(st.size - 1))) === 1 && last[0] !== LF) {
          torn = true;
        }
      }
      if (this.#fd >= 0) {
        // the old file keeps whole lines: end a fragment a failed write left
        if (this.#tornTail) this.#put(this.#fd, new Uint8Array([LF]));
        libc.close(this.#fd);
      }
      this.#fd = fd;
      this.#ino = st.ino;
      this.#dev = st.dev;
      this.#tornTail = torn;
      if (torn) this.counters.torn_closed++;
    } catch (e) {
      if (first) this.#unlock();
      throw e;
    } finally {
      libc.close(dfd);
    }
    if (first) {
      this.#opened = true;
      this.#warnCapacity();
    }
  }

  /** Opens the log's directory (O_PATH) after checking who may write in it. */
  #openDir(first: boolean): number {
    const libc = openLibc();
    const what = `Cannot open log "${this.path}": directory "${this.#dir}"`;
    const dfd = libc.open(cstr(this.#dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (dfd < 0) throw new Error(`${what}: ${errnoText(lastErrno())}`);
    const fail = (why: string): never => {
      libc.close(dfd);
      throw new Error(`${what}: ${why}`);
    };
    const st = statAt(dfd, "", AT_EMPTY_PATH) ?? fail(errnoText(lastErrno()));
    const me = Deno.uid() ?? 0;
    const mode = `mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}`;
    const sticky = (st.mode & 0o1000) !== 0;
    if (st.uid !== me && st.uid !== 0) fail(`owned by uid ${st.uid}`);
    if ((st.mode & 0o002) && !sticky) fail(`writable by others without the sticky bit (${mode})`);
    if (first && (st.mode & 0o020) && !sticky) {
      this.#warn(
        `Log "${this.path}": its directory is writable by group ${st.gid} (${mode}): its members can replace the log`,
      );
    }
    return dfd;
  }

  /** Opens `name` in the directory: a regular file with one link, ours, our mode. */
  #openIn(dfd: number, name: string, flags: number, what: string): { fd: number; st: FileStat } {
    const libc = openLibc();
    const fd = libc.openat(dfd, cstr(name), flags, this.#mode);
    if (fd < 0) {
      const e = lastErrno();
      const why = e === ELOOP
        ? "a symbolic link"
        : e === EISDIR
        ? "not a regular file (directory)"
        : e === ENXIO
        ? "not a regular file (fifo or socket)"
        : errnoText(e);
      throw new Error(`Cannot open ${what}: ${why}`);
    }
    const fail = (why: string): never => {
      libc.close(fd);
      throw new Error(`Cannot open ${what}: ${why}`);
    };
    const st = statAt(fd, "", AT_EMPTY_PATH) ?? fail(errnoText(lastErrno()));
    const kind = st.mode & 0o170000;
    if (kind !== 0o100000) fail(`not a regular file (${KINDS[kind] ?? "unknown"})`);
    if (st.nlink !== 1) fail(`has ${st.nlink} hard links`);
    const me = Deno.uid() ?? 0;
    const group = Deno.gid() ?? 0;
    if (st.uid !== me || st.gid !== group) {
      const dir = statAt(dfd, "", AT_EMPTY_PATH);
      // in a directory others write to, another user's file may be held open by them
      if (st.uid !== me && (!dir || (dir.mode & 0o022))) {
        fail(`owned by uid ${st.uid} in a directory others can write to`);
      }
      if (libc.fchown(fd, me, group) !== 0) {
        fail(`owned by ${st.uid}:${st.gid}: cannot take it: ${errnoText(lastErrno())}`);
      }
    }
    if ((st.mode & 0o7777) !== this.#mode && libc.fchmod(fd, this.#mode) !== 0) {
      fail(`cannot set mode ${this.#mode.toString(8)}: ${errnoText(lastErrno())}`);
    }
    return { fd, st };
  }

  /** Takes `<log>.lock` or throws naming the collector that holds it. */
  #lock(dfd: number): void {
    const libc = openLibc();
    const { fd } = this.#openIn(
      dfd,
      `${this.#base}.lock`,
      O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
      `lock "${this.lockPath}"`,
    );
    if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const e = lastErrno();
      let holder = "unknown";
      if (e === EAGAIN) {
        const buf = new Uint8Array(32);
        const n = Number(libc.pread(fd, buf, BigInt(buf.length), 0n));
        const text = n > 0 ? new TextDecoder().decode(buf.subarray(0, n)).trim() : "";
        if (/^\d+$/.test(text)) holder = text;
      }
      libc.close(fd);
      throw new Error(
        e === EAGAIN
          ? `Cannot start: another collector (pid ${holder}) holds "${this.lockPath}"`
          : `Cannot lock "${this.lockPath}": ${errnoText(e)}`,
      );
    }
    const pid = new TextEncoder().encode(`${Deno.pid}\n`);
    libc.ftruncate(fd, 0n);
    libc.pwrite(fd, pid, BigInt(pid.length), 0n);
    this.#lockFd = fd;
  }

  #unlock(): void {
    if (this.#lockFd >= 0) openLibc().close(this.#lockFd);
    this.#lockFd = -1;
  }

  /** One warning when the file system is smaller than the guard's threshold. */
  #warnCapacity(): void {
    const buf = new Uint8Array(STATVFS_SIZE);
    if (openLibc().fstatvfs(this.#fd, buf) !== 0) return;
    const s = space(buf);
    const total = s.frsize * (usesReserve() ? s.blocks : s.blocks - (s.bfree - s.bavail));
    if (total < this.#minFree) {
      this.#warn(
        `Log "${this.path}": its file system holds ${
          (total / MiB).toFixed(1)
        } MiB, less than the ` +
          `low-disk threshold of ${
            (this.#minFree / MiB).toFixed(1)
          } MiB: no exec line will be written`,
      );
    }
  }

  /** True when the path no longer names the open file (renamed, deleted, replaced). */
  rotated(): boolean {
    const st = statAt(AT_FDCWD, this.path, AT_SYMLINK_NOFOLLOW);
    return !st || st.ino !== this.#ino || st.dev !== this.#dev;
  }

  /** False while a failing reopen waits for its next retry (reopenRetryMs). */
  reopenDue(): boolean {
    return !(this.#reopenFailing && performance.now() - this.#lastTry < this.#retryMs);
  }

  /**
   * Reopens the path (after rotation or on SIGHUP); pending data must be
   * written first. On failure the old file stays open (and is written to),
   * the failure is counted and warned about once, and false is returned; a
   * failing reopen is tried again at most once per `reopenRetryMs`.
   */
  reopen(): boolean {
    const now = performance.now();
    if (this.#reopenFailing && now - this.#lastTry < this.#retryMs) return false;
    this.#lastTry = now;
    try {
      this.open();
    } catch (e) {
      this.counters.reopen_failures++;
      if (!this.#reopenFailing) {
        this.#warn(
          `${(e as Error).message}; still writing to the old file, retrying every ${
            this.#retryMs / 1000
          } s`,
        );
      }
      this.#reopenFailing = true;
      return false;
    }
    this.counters.reopens++;
    if (this.#reopenFailing) {
      this.#reopenFailing = false;
      this.#recovered = true;
    }
    if (this.#held.length) {
      const held = concatBytes(this.#held);
      const n = this.#heldLines;
      this.#held = [];
      this.#heldBytes = 0;
      this.#heldLines = 0;
      this.write(held, n);
    }
    return true;
  }

  /** True once after writing works again (a reopen or write that had failed succeeded). */
  takeRecovered(): boolean {
    const r = this.#recovered;
    this.#recovered = false;
    return r;
  }

  /** Checks the free-space guard; returns true when exec lines may go ahead. */
  checkDisk(): boolean {
    const buf = new Uint8Array(STATVFS_SIZE);
    this.guarding = this.#fd >= 0 && openLibc().fstatvfs(this.#fd, buf) === 0 &&
      usable(space(buf), usesReserve()) < this.#minFree;
    return !this.guarding;
  }

  /** Writes all of `data` to `fd`; returns the bytes written (less on an error). */
  #put(fd: number, data: Uint8Array): number {
    const libc = openLibc();
    let off = 0;
    while (off < data.length) {
      const rest = data.subarray(off);
      const n = Number(libc.write(fd, rest, BigInt(rest.length)));
      if (n > 0) {
        this.#onWritten?.(data.subarray(off, off + n));
        off += n;
      } else if (n < 0 && lastErrno() === EINTR) {
        continue;
      } else {
        break;
      }
    }
    return off;
  }

  /**
   * Writes whole lines (`lines` of them in `data`). While the guard holds,
   * only the `S1` lines are written (the others counted as dropped). Returns
   * false when lines were not written (dropped or lost, and counted).
   */
  write(data: Uint8Array, lines: number): boolean {
    if (data.length === 0) return true;
    if (this.#fd < 0) throw new TypeError(`Cannot write "${this.path}": not open`);
    let out = data;
    let kept = lines;
    if (this.guarding) {
      out = statsLines(data);
      kept = 0;
      for (const b of out) if (b === LF) kept++;
      this.counters.disk_dropped += lines - kept;
      if (out.length === 0) return false;
    }
    if (this.#reopenFailing && statAt(this.#fd, "", AT_EMPTY_PATH)?.nlink === 0) {
      // the old file was deleted: what is written there is lost; hold it for the next file
      if (this.#heldBytes + out.length > this.#holdMax) {
        this.counters.write_lost += kept;
        return false;
      }
      this.#held.push(out.slice());
      this.#heldBytes += out.length;
      this.#heldLines += kept;
      return kept === lines; // false when the guard dropped some of them
    }
    if (this.#tornTail) {
      // end the torn fragment so it stays a line of its own
      if (this.#put(this.#fd, new Uint8Array([LF])) !== 1) {
        this.counters.write_lost += kept;
        this.#writeFailing = true;
        return false;
      }
      this.#tornTail = false;
    }
    const off = this.#put(this.#fd, out);
    if (off === out.length) {
      if (this.#writeFailing) {
        this.#writeFailing = false;
        this.#recovered = true;
      }
      return kept === lines; // false when the guard dropped some of them
    }
    // lines wholly written are kept; the rest is lost; a partial line is a torn tail
    let written = 0;
    for (let i = 0; i < off; i++) if (out[i] === LF) written++;
    this.counters.write_lost += kept - written;
    if (off > 0 && out[off - 1] !== LF) this.#tornTail = true;
    this.#writeFailing = true;
    return false;
  }

  /** Flushes to the disk (at exit). */
  sync(): void {
    if (this.#fd >= 0) openLibc().fsync(this.#fd); // best effort
  }

  /** Closes the log and releases the lock. */
  close(): void {
    this.counters.write_lost += this.#heldLines; // no file took them
    this.#held = [];
    this.#heldBytes = 0;
    this.#heldLines = 0;
    if (this.#fd >= 0) openLibc().close(this.#fd);
    this.#fd = -1;
    this.#unlock();
    this.#opened = false;
  }
}

/** The `S1` lines of a buffer of whole lines. */
function statsLines(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let start = 0; start < data.length;) {
    let end = data.indexOf(LF, start);
    end = end < 0 ? data.length : end + 1;
    if (data[start] === 0x53 && data[start + 1] === 0x31 && data[start + 2] === 0x09) {
      parts.push(data.subarray(start, end));
    }
    start = end;
  }
  return concatBytes(parts);
}
