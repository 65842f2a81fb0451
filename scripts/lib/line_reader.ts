/**
 * Reads a log file (plain or gzip) line by line, reporting a last line that
 * has no "\n" (torn by a crash) instead of passing it on as whole, and a line
 * over MAX_LINE_BYTES (docs/log-format.md) as too long instead of holding it.
 *
 * @module
 */

import { MAX_LINE_BYTES } from "../logformat/mod.ts";
import { gunzipFile, isGzip } from "./gunzip.ts";

/** One line of a file. */
export interface Line {
  /** the line's text, without "\n" ("" for a line that is too long) */
  text: string;
  /** 1-based line number */
  no: number;
  /** false for a last line without "\n" */
  terminated: boolean;
  /** true for a line longer than the reader's cap: skipped unread, its text is "" */
  tooLong?: boolean;
  /** with tooLong: the line's byte length (without "\n") */
  bytes?: number;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Longest line read, in bytes without "\n"; a longer one yields one tooLong Line. @default {MAX_LINE_BYTES (4 MiB)} */
  maxLineBytes?: number;
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

/**
 * Splits a byte stream into lines, in time and memory linear in the input:
 * each byte is searched for LF once, the pieces of an unfinished line wait in
 * a list, and a line over `maxLineBytes` is not kept at all (one tooLong Line,
 * then reading goes on after its LF). A stream error (corrupt gzip) is thrown
 * after the good lines.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<Line> {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  // whole lines only: "\n" never falls inside a UTF-8 sequence; a BOM counts only at the start
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  /** bytes of the current line when it is too long (then nothing is kept), else -1 */
  let skipped = -1;
  let no = 0;
  const text = (last: Uint8Array): string => {
    let b = last;
    if (pending.length) {
      b = new Uint8Array(pendingBytes + last.length);
      let at = 0;
      for (const p of pending) {
        b.set(p, at);
        at += p.length;
      }
      b.set(last, at);
      pending = [];
      pendingBytes = 0;
    }
    if (no === 1 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    return decoder.decode(b);
  };
  const tooLong = (bytes: number, terminated: boolean): Line => {
    skipped = -1;
    return { text: "", no, terminated, tooLong: true, bytes };
  };
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      no++;
      const len = nl - start;
      if (skipped >= 0) yield tooLong(skipped + len, true);
      else if (pendingBytes + len > max) {
        pending = [];
        yield tooLong(pendingBytes + len, true);
        pendingBytes = 0;
      } else yield { text: text(chunk.subarray(start, nl)), no, terminated: true };
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (rest === 0) continue;
    if (skipped >= 0) skipped += rest;
    else if (pendingBytes + rest > max) {
      skipped = pendingBytes + rest;
      pending = [];
      pendingBytes = 0;
    } else {
      // a copy: the stream may reuse its buffer
      pending.push(chunk.slice(start));
      pendingBytes += rest;
    }
  }
  if (skipped >= 0) {
    no++;
    yield tooLong(skipped, false);
  } else if (pendingBytes) {
    no++;
    yield { text: text(new Uint8Array(0)), no, terminated: false };
  }
}
