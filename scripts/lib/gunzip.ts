/**
 * Gunzips an open file with node:zlib, which reads multi-member gzip (files
 * concatenated with `cat`, pigz's output) where Deno's DecompressionStream
 * stops after the first member. The file is read here, not through
 * `file.readable`, so no read is left in flight when a gzip error ends the
 * loop and the caller closes the file.
 *
 * @module
 */

import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";

/** true when `file` starts with gzip's magic bytes; the position is put back at the start. */
export async function isGzip(file: Deno.FsFile): Promise<boolean> {
  const head = new Uint8Array(2);
  const n = await file.read(head);
  await file.seek(0, Deno.SeekMode.Start);
  return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A gzip stream that is truncated or corrupt. */
export class GzipError extends Error {
  /** "truncated" or zlib's reason */
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(`not a valid gzip file: ${reason}`, options);
    this.name = "GzipError";
    this.reason = reason;
  }
}

/** The uncompressed bytes of `file`, in fresh chunks. Throws GzipError for bad gzip. */
export async function* gunzipFile(
  file: Pick<Deno.FsFile, "read">,
): AsyncGenerator<Uint8Array> {
  let inflight: Promise<unknown> = Promise.resolve();
  async function* chunks() {
    for (;;) {
      const buf = new Uint8Array(256 * 1024);
      const p = file.read(buf);
      inflight = p;
      const n = await p;
      if (n === null) return;
      yield buf.subarray(0, n);
    }
  }
  const src = Readable.from(chunks(), { objectMode: false });
  const gunzip = src.pipe(createGunzip({ chunkSize: 256 * 1024 }));
  src.on("error", (e) => gunzip.destroy(e)); // a read error surfaces through gunzip
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (!err.code?.startsWith("Z_")) throw e;
    throw new GzipError(err.code === "Z_BUF_ERROR" ? "truncated" : err.message, { cause: e });
  } finally {
    src.destroy();
    gunzip.destroy();
    await inflight.catch(() => {});
  }
}
