/**
 * One shipper per host at a time: an exclusive `flock` on a file in the state
 * directory, released by the kernel when the process exits (even `kill -9`).
 *
 * @module
 */

/** A held lock; `release()` to let go early. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the lock at `path` without waiting. Returns null when another
 * process holds it, with that process's pid (as it wrote it) in `holder`.
 */
export async function tryLock(path: string): Promise<HeldLock | { holder: string }> {
  const f = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  if (!(await f.tryLock(true))) {
    const holder = new TextDecoder().decode(await readAll(f)).trim() || "unknown";
    f.close();
    return { holder };
  }
  try {
    // who holds it, for the other's message; a full disk must not stop a run that frees it
    await f.truncate(0);
    await f.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch {
    // the lock itself is held
  }
  return {
    release() {
      try {
        f.close();
      } catch {
        // closed already
      }
    },
  };
}

async function readAll(f: Deno.FsFile): Promise<Uint8Array> {
  const buf = new Uint8Array(64);
  const n = await f.read(buf);
  return buf.subarray(0, n ?? 0);
}
