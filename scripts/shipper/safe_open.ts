/**
 * Opening what a root shipper reads and moves, without trusting the
 * directory it comes from: a source is opened once with
 * `O_NOFOLLOW|O_NONBLOCK` (no symlink is followed, a FIFO does not block),
 * checked with `fstat` on that very descriptor (a regular file, owned by the
 * shipper's uid, not writable by group or others) and then read through the
 * same descriptor, so a file swapped in between the check and the read is
 * never read. Directories the shipper reads from or moves files into are
 * checked the same way.
 *
 * @module
 */

import fs from "node:fs";

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** A file or directory the shipper will not use, and why (one line). */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafePathError";
  }
}

/** What `fstat` said about an opened source. */
export interface OpenedFile {
  /** the open descriptor; close it with {@link closeFd} */
  fd: number;
  dev: number;
  ino: number;
  /** bytes at the time of the check: the only bytes that will be read */
  size: number;
  mtimeMs: number;
}

/** The uid the shipper runs as: the only owner it trusts. */
export function ownUid(): number {
  return Deno.uid() ?? 0;
}

function kindOf(
  st: {
    isSymbolicLink(): boolean;
    isFIFO(): boolean;
    isCharacterDevice(): boolean;
    isBlockDevice(): boolean;
    isSocket(): boolean;
    isDirectory(): boolean;
  },
): string {
  if (st.isSymbolicLink()) return "a symlink";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

/** The reason a regular file's owner or mode is not trusted, or undefined. */
function ownerProblem(st: fs.Stats, uid: number, what: string): string | undefined {
  if (st.uid !== uid) return `${what} is owned by uid ${st.uid}, not ${uid}`;
  if (st.mode & 0o022) {
    return `${what} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  }
  // a second name for another file (e.g. a hard link to /etc/shadow planted under a rotated name)
  if (st.nlink !== 1) return `${what} has ${st.nlink} hard links`;
  return undefined;
}

/**
 * Opens `path` for reading without following a symlink and checks the
 * descriptor: a regular file owned by `uid` (@default {@link ownUid}) and
 * not group/other writable. Throws {@link UnsafePathError} (descriptor
 * closed) when it is not; other errors (gone meanwhile) as they are.
 */
export function openTrusted(path: string, name: string, uid = ownUid()): OpenedFile {
  // a cheap look first: a device is refused without being opened (an open can have effects)
  const l = fs.lstatSync(path);
  if (!l.isFile()) throw new UnsafePathError(`"${name}" is ${kindOf(l)}`);
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    if ((e as { code?: string }).code === "ELOOP") {
      throw new UnsafePathError(`"${name}" is a symlink`);
    }
    throw e;
  }
  try {
    // the descriptor decides: the name may have been swapped since the lstat
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnsafePathError(`"${name}" is ${kindOf(st)}`);
    const problem = ownerProblem(st, uid, `"${name}"`);
    if (problem) throw new UnsafePathError(problem);
    return { fd, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtime.getTime() };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Closes a descriptor from {@link openTrusted} (errors ignored). */
export function closeFd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Why the directory `path` cannot be trusted to hold what root reads or
 * moves, or undefined: it must be a real directory (not a symlink) owned by
 * `uid`, and not writable by group or others unless sticky (like /tmp, where
 * nobody can rename or delete another user's files; `options.sticky: false`
 * refuses that too: @default true; `options.group: true` accepts a directory its
 * group may write, as Ubuntu's root:syslog 0775 /var/log: @default false).
 */
export function dirProblem(
  path: string,
  what: string,
  uid = ownUid(),
  options: { sticky?: boolean; group?: boolean } = {},
): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (e) {
    return `${what} "${path}" cannot be checked: ${(e as Error).message}`;
  }
  if (!st.isDirectory()) return `${what} "${path}" is ${kindOf(st)}`;
  if (st.uid !== uid) return `${what} "${path}" is owned by uid ${st.uid}, not ${uid}`;
  const writers = options.group ? 0o002 : 0o022;
  if (st.mode & writers && (options.sticky === false || !(st.mode & 0o1000))) {
    return `${what} "${path}" is writable by group or others${
      options.sticky === false ? "" : " and not sticky"
    } (mode ${(st.mode & 0o7777).toString(8)})`;
  }
  return undefined;
}

/**
 * Reads bytes `[start, end)` of an open descriptor, like `Deno.FsFile.read`:
 * never past `end` (the size checked when the file was picked), however the
 * file grows meanwhile. A file that shrank under the reader is an error.
 */
export class FdReader {
  readonly #fd: number;
  #pos: number;
  readonly #end: number;
  readonly #name: string;

  constructor(fd: number, start: number, end: number, name: string) {
    this.#fd = fd;
    this.#pos = start;
    this.#end = end;
    this.#name = name;
  }

  /** Bytes read into `buf`, or null at `end`. */
  read(buf: Uint8Array): Promise<number | null> {
    const want = Math.min(buf.length, this.#end - this.#pos);
    if (want <= 0) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      fs.read(this.#fd, buf, 0, want, this.#pos, (e, n) => {
        if (e) return reject(e);
        if (n === 0) {
          return reject(
            new Error(
              `"${this.#name}" shrank while being read (${this.#pos} of ${this.#end} bytes)`,
            ),
          );
        }
        this.#pos += n;
        resolve(n);
      });
    });
  }
}
