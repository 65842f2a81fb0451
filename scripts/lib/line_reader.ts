/**
 * Reads a log file (plain or gzip) line by line, reporting a last line that
 * has no "\n" (torn by a crash) instead of passing it on as whole.
 *
 * @module
 */

import { gunzipFile, isGzip } from "./gunzip.ts";

/** One line of a file. */
export interface Line {
  /** the line's text, without "\n" */
  text: string;
  /** 1-based line number */
  no: number;
  /** false for a last line without "\n" */
  terminated: boolean;
}

/** Opens a file as a byte stream, gunzipping gzip files (by their magic bytes; several members too). */
export async function openStream(path: string): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  if (!(await isGzip(file))) return file.readable;
  // node:zlib: multi-member gzip too
  const it = gunzipFile(file);
  const close = () => {
    try {
      file.close();
    } catch {
      // closed already
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await it.next();
        if (r.done) {
          close();
          c.close();
        } else c.enqueue(r.value);
      } catch (e) {
        close();
        c.error(e);
      }
    },
    async cancel() {
      await it.return(undefined);
      close();
    },
  }, { highWaterMark: 0 });
}

/** Splits a byte stream into lines. A stream error (corrupt gzip) is thrown after the good lines. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder();
  let carry: Uint8Array = new Uint8Array(0);
  let no = 0;
  for await (const chunk of stream) {
    let buf = chunk;
    if (carry.length) {
      buf = new Uint8Array(carry.length + chunk.length);
      buf.set(carry);
      buf.set(chunk, carry.length);
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      yield { text: decoder.decode(buf.subarray(start, nl)), no: ++no, terminated: true };
      start = nl + 1;
    }
    carry = buf.slice(start);
  }
  if (carry.length) yield { text: decoder.decode(carry), no: ++no, terminated: false };
}
