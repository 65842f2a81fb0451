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
  // one streaming decode per chunk ("\n" never falls inside a UTF-8 sequence)
  const decoder = new TextDecoder();
  let carry = "";
  let no = 0;
  for await (const chunk of stream) {
    const parts = (carry + decoder.decode(chunk, { stream: true })).split("\n");
    carry = parts.pop()!;
    for (const text of parts) yield { text, no: ++no, terminated: true };
  }
  carry += decoder.decode();
  if (carry) yield { text: carry, no: ++no, terminated: false };
}
