/**
 * Ships one closed file exactly once: split by UTC day, each piece gzipped and
 * streamed to a staging name, verified (length, and HDFS's own checksum of
 * the stored blocks against the one computed locally; or a read-back),
 * labelled with its SHA-256 as an xattr, then RENAMEd into
 * `<root>/dt=<day>/host=<host>/<name>` (docs/hdfs-layout.md). RENAME never overwrites: a name that
 * is taken by the same bytes counts as shipped, by other bytes as a
 * conflict, shipped under a name with its own hash.
 *
 * Only the bytes the file had when it was picked are read (through the
 * descriptor checked then). A file that grew after a range of it was shipped
 * ships its new tail only: the shipped ranges are read and checked again
 * against their content ids first, then the bytes past them become pieces of
 * their own, numbered after the file's earlier pieces.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { gunzipFile, GzipError } from "../lib/gunzip.ts";
import { conflictName, hostDayDir, pieceName, stagingDir, stampOf } from "../layout/mod.ts";
import type { WebHdfsClient } from "../webhdfs/client.ts";
import { HdfsError, HdfsVerifyError } from "../webhdfs/errors.ts";
import { joinPath } from "../webhdfs/url.ts";
import { dayOfMs, DaySplitter, dayString, type Segment } from "./day_split.ts";
import type { ShippedPiece } from "./journal.ts";
import { PieceUpload } from "./piece_upload.ts";
import type { RateLimit } from "./rate_limit.ts";
import { chainVerdict } from "./chain_verdict.ts";
import type { ShippedPrefix } from "./journal.ts";
import { type SourceFile, sourceReader } from "./sources.ts";

/** Where bytes come from: a `Deno.FsFile` or an {@link FdReader}. */
export type Reader = Pick<Deno.FsFile, "read">;

/** What shipping needs besides the file. */
export interface ShipContext {
  client: WebHdfsClient;
  /** HDFS root of the layout */
  root: string;
  /** host as given (recorded in the xattr) */
  host: string;
  /** host as a path component */
  hostDir: string;
  /** file name stem, e.g. "syscall_audit" */
  stem: string;
  limiter: RateLimit;
  /** zlib level of the gzip written */
  gzipLevel: number;
  /** HDFS block size of the files written */
  blockSize: number;
  /** octal permissions of files and directories created */
  filePermission: string;
  dirPermission: string;
  /** "checksum" (GETFILECHECKSUM vs local) or "readback" (OPEN and hash) */
  verify: "checksum" | "readback";
  /** directories known to exist */
  knownDirs: Set<string>;
  /** first keys still escrowed on this host, for the chain verdict */
  keyDir?: string;
  /** one line per notable event (stderr) */
  warn: (line: string) => void;
}

/** A source file's bytes could not be read as what it claims to be (corrupt gzip). */
export class CorruptSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CorruptSourceError";
  }
}

/** The ranges shipped before do not match the file: it is another file (a reused inode). */
export class PrefixMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrefixMismatchError";
  }
}

/** The outcome of {@link shipFile}: the journal entry's content fields. */
export interface ShippedFile {
  raw_sha256: string;
  raw_bytes: number;
  pieces: ShippedPiece[];
  raw_offset: number;
  stamp: string;
  fallback_day: number;
  first_piece: number;
}

/**
 * Reads the uncompressed bytes of a source, in chunks valid until the next
 * one is asked for. Gzip errors become CorruptSourceError.
 */
export async function* readRaw(file: Reader, gz: boolean, name: string) {
  if (!gz) {
    // one buffer, reused: consumers copy what they keep before the next read
    const buf = new Uint8Array(1024 * 1024);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) return;
      yield buf.subarray(0, n);
    }
  }
  try {
    yield* gunzipFile(file);
  } catch (e) {
    if (!(e instanceof GzipError)) throw e;
    throw new CorruptSourceError(`"${name}" is ${e.message}`, { cause: e });
  }
}

/**
 * A file's content identity: SHA-256 over its pieces' SHA-256s (the same
 * for a file and its compressed copy; each byte is hashed once).
 */
export function contentId(pieceShas: string[]): string {
  return createHash("sha256").update(pieceShas.join("\n")).digest("hex");
}

/** A segment and the piece of its file it belongs to. */
export interface PieceSegment extends Segment {
  /** index of the piece within the file: a new piece starts where the day changes */
  piece: number;
}

/** Tags segments with their piece index: a new piece starts where the day changes. */
function pieceTagger(): (segs: Segment[]) => Generator<PieceSegment> {
  let piece = -1;
  let day = NaN;
  return function* (segs: Segment[]) {
    for (const seg of segs) {
      if (seg.day !== day) {
        piece++;
        day = seg.day;
      }
      yield { ...seg, piece };
    }
  };
}

/** Raw chunks split by day and tagged with their piece. */
async function* segmentsOf(
  chunks: AsyncIterable<Uint8Array>,
  splitter: DaySplitter,
): AsyncGenerator<PieceSegment> {
  const tag = pieceTagger();
  for await (const chunk of chunks) yield* tag(splitter.push(chunk));
  yield* tag(splitter.end());
}

/**
 * The uncompressed bytes of `file` split by day, each segment tagged with its
 * piece: what shipping, the dry run and the content id all walk. Segments are
 * valid until the next one is asked for. Gzip errors become CorruptSourceError.
 */
export function pieceSegments(
  src: SourceFile,
  file: Reader,
  splitter: DaySplitter,
): AsyncGenerator<PieceSegment> {
  return segmentsOf(readRaw(file, src.gz, src.name), splitter);
}

/** The {@link contentId} of segments as they are split. */
class ContentHasher {
  readonly #hashes: ReturnType<typeof createHash>[] = [];
  readonly #tag = pieceTagger();
  add(segs: Segment[]): void {
    for (const seg of this.#tag(segs)) {
      (this.#hashes[seg.piece] ??= createHash("sha256")).update(seg.bytes);
    }
  }
  digest(): string {
    return contentId(this.#hashes.map((h) => h.digest("hex")));
  }
}

/** {@link contentId} of a local file (the bytes picked), computed by splitting it as shipping would. */
export async function contentIdOf(src: SourceFile): Promise<string> {
  const h = new ContentHasher();
  for await (
    const seg of pieceSegments(src, sourceReader(src), new DaySplitter(dayOfMs(src.mtimeMs)))
  ) {
    h.add([seg]);
  }
  return h.digest();
}

/** true when the bytes of `src` picked are exactly the ranges of `prefix` (e.g. a compressed copy of a grown file). */
export async function isShippedPrefix(src: SourceFile, prefix: ShippedPrefix): Promise<boolean> {
  const raw = readRaw(sourceReader(src), src.gz, src.name);
  try {
    for await (const _ of pastPrefix(raw, prefix, src.name)) return false; // longer
    return true;
  } catch (e) {
    if (e instanceof PrefixMismatchError) return false;
    throw e;
  }
}

/**
 * Passes on the raw bytes past the shipped `prefix`, after checking that the
 * bytes before are the ranges shipped (each split again as it was, its content
 * id compared); throws {@link PrefixMismatchError} before passing on anything
 * when they are not.
 */
async function* pastPrefix(
  chunks: AsyncIterable<Uint8Array>,
  prefix: ShippedPrefix,
  name: string,
): AsyncGenerator<Uint8Array> {
  let i = 0;
  let pos = 0;
  let splitter = new DaySplitter(prefix.ranges[0].fallback_day);
  let hasher = new ContentHasher();
  let stampChecked = false;
  for await (const chunk of chunks) {
    let at = 0;
    while (i < prefix.ranges.length && at < chunk.length) {
      const r = prefix.ranges[i];
      const take = Math.min(chunk.length - at, r.offset + r.bytes - pos);
      hasher.add(splitter.push(chunk.subarray(at, at + take)));
      at += take;
      pos += take;
      if (!stampChecked && splitter.firstTimedLine) {
        // a reused inode shows at the first record already: no need to read on
        stampChecked = true;
        if (stampOf(splitter.firstTimedLine, 0) !== prefix.stamp) {
          throw new PrefixMismatchError(
            `"${name}" starts with other records than the file shipped`,
          );
        }
      }
      if (pos === r.offset + r.bytes) {
        hasher.add(splitter.end());
        if (hasher.digest() !== r.raw_sha256) {
          throw new PrefixMismatchError(
            `"${name}" bytes ${r.offset}..${pos} differ from the range shipped`,
          );
        }
        i++;
        if (i < prefix.ranges.length) {
          splitter = new DaySplitter(prefix.ranges[i].fallback_day);
          hasher = new ContentHasher();
        }
      }
    }
    if (at < chunk.length) yield chunk.subarray(at);
  }
  if (i < prefix.ranges.length) {
    throw new PrefixMismatchError(`"${name}" is shorter than the ${prefix.rawEnd} bytes shipped`);
  }
}

/**
 * Ships the bytes of `src` picked (read through its descriptor); with
 * `prefix` (what the journal says was shipped of this file before), only
 * the bytes past it. Throws CorruptSourceError for a bad gzip,
 * PrefixMismatchError when `prefix` is not this file's (before uploading
 * anything), HdfsError for HDFS failures; nothing is left in place half-done:
 * a piece is either renamed complete and verified, or only a staging file.
 */
export async function shipFile(
  ctx: ShipContext,
  src: SourceFile,
  prefix?: ShippedPrefix,
): Promise<ShippedFile> {
  const staging = stagingDir(ctx.root, ctx.hostDir);
  await mkdirs(ctx, staging);
  const fallbackDay = dayOfMs(src.mtimeMs);
  const splitter = new DaySplitter(fallbackDay);
  const rawOffset = prefix?.rawEnd ?? 0;
  const firstPiece = prefix?.nextPiece ?? 0;
  // the verdict on the file's hash chain is recorded, never a reason not to ship; the
  // descriptor's magic link reaches the very inode checked, never a name swapped meanwhile
  const chain = await chainVerdict(`/proc/self/fd/${src.fd}`, ctx.keyDir);
  let rawBytes = 0;
  const pieces: PieceUpload[] = [];
  const offsets: number[] = [];
  const tag = `${Deno.pid}.${crypto.randomUUID().slice(0, 8)}`;
  let raw: AsyncIterable<Uint8Array> = readRaw(sourceReader(src), src.gz, src.name);
  if (prefix) raw = pastPrefix(raw, prefix, src.name);
  try {
    for await (const seg of segmentsOf(raw, splitter)) {
      if (seg.piece === pieces.length) {
        offsets.push(rawOffset + rawBytes);
        await pieces.at(-1)?.finish();
        pieces.push(
          new PieceUpload(
            ctx.client,
            joinPath(staging, `${ctx.stem}.${tag}.${firstPiece + seg.piece}.tmp`),
            seg.day,
            firstPiece + seg.piece,
            {
              level: ctx.gzipLevel,
              limiter: ctx.limiter,
              permission: ctx.filePermission,
              blockSize: ctx.blockSize,
            },
          ),
        );
      }
      rawBytes += seg.bytes.length;
      await pieces[seg.piece].write(seg.bytes, seg.lines);
    }
    await pieces.at(-1)?.finish();
  } catch (e) {
    for (const p of pieces) await p.abort(e);
    await Promise.all(pieces.map((p) => ctx.client.delete(p.staging).catch(() => false)));
    throw e;
  }
  const stamp = prefix?.stamp ?? stampOf(splitter.firstTimedLine, src.mtimeMs);
  const rawShas = pieces.map((p) => p.rawHash.digest("hex"));
  const raw_sha256 = contentId(rawShas);
  const shipped: ShippedPiece[] = [];
  for (const [k, p] of pieces.entries()) {
    shipped.push(
      await settle(ctx, src, p, pieceName(ctx.stem, stamp, p.index), rawShas[k], {
        source_id: raw_sha256,
        raw_offset: offsets[k],
        chain,
      }),
    );
  }
  return {
    raw_sha256,
    raw_bytes: rawBytes,
    pieces: shipped,
    raw_offset: rawOffset,
    stamp,
    fallback_day: fallbackDay,
    first_piece: firstPiece,
  };
}

async function mkdirs(ctx: ShipContext, dir: string): Promise<void> {
  if (ctx.knownDirs.has(dir)) return;
  await ctx.client.mkdirs(dir, ctx.dirPermission);
  ctx.knownDirs.add(dir);
}

/** Verifies a staged piece, labels it, and renames it into place. */
async function settle(
  ctx: ShipContext,
  src: SourceFile,
  p: PieceUpload,
  name: string,
  rawSha: string,
  label: { source_id: string; raw_offset: number; chain: string },
): Promise<ShippedPiece> {
  const sha256 = p.sentHash.digest("hex");
  const day = dayString(p.day);
  const verified = await verify(ctx, p, sha256);
  await ctx.client.setXAttr(p.staging, "user.sha256", sha256);
  // identity of the content: gzip bytes depend on how the input was chunked
  await ctx.client.setXAttr(p.staging, "user.raw_sha256", rawSha);
  await ctx.client.setXAttr(
    p.staging,
    "user.syscall_audit",
    JSON.stringify({
      v: 1,
      host: ctx.host,
      source: src.name,
      source_id: label.source_id,
      piece: p.index,
      raw_offset: label.raw_offset,
      raw_bytes: p.rawBytes,
      lines: p.lines,
      day,
      chain: label.chain,
    }),
  );
  const dir = hostDayDir(ctx.root, day, ctx.hostDir);
  await mkdirs(ctx, dir);
  const base = { day, bytes: p.sentBytes, sha256, raw_sha256: rawSha, lines: p.lines, verified };
  const target = joinPath(dir, name);
  const first = await place(ctx, p.staging, target, rawSha);
  if (first !== "taken") return { ...base, path: target, outcome: first };
  // the name holds other bytes: never overwrite; ship under a name of our own
  const alt = joinPath(dir, conflictName(name, rawSha));
  const second = await place(ctx, p.staging, alt, rawSha);
  if (second === "taken") {
    throw new HdfsVerifyError(
      "RENAME",
      alt,
      `Cannot rename "${p.staging}": "${alt}" holds other bytes`,
    );
  }
  ctx.warn(
    `ship: conflict: "${target}" already holds other bytes; "${src.name}" piece ${p.index} shipped as "${alt}"`,
  );
  return { ...base, path: alt, outcome: "conflict" };
}

/** RENAME without overwrite; "shipped", "present" (same content there already) or "taken". */
async function place(
  ctx: ShipContext,
  staging: string,
  target: string,
  rawSha: string,
): Promise<"shipped" | "present" | "taken"> {
  if (await ctx.client.rename(staging, target)) return "shipped";
  // refused: the target exists, or our staging file is gone (a rename whose answer was lost)
  const there = await ctx.client.getFileStatus(target);
  if (!there) {
    throw new HdfsVerifyError(
      "RENAME",
      staging,
      `Cannot rename "${staging}" to "${target}": refused`,
    );
  }
  const x = await ctx.client.getXAttrs(target);
  if (x["user.raw_sha256"] !== rawSha) return "taken";
  await ctx.client.delete(staging).catch(() => false);
  return "present";
}

/** Proves the staged bytes are the ones sent; says how. */
async function verify(
  ctx: ShipContext,
  p: PieceUpload,
  sha256: string,
): Promise<"checksum" | "readback"> {
  const st = await ctx.client.getFileStatus(p.staging);
  if (!st) throw new HdfsVerifyError("GETFILESTATUS", p.staging, `"${p.staging}" vanished`);
  if (st.length !== p.sentBytes) {
    throw new HdfsVerifyError(
      "GETFILESTATUS",
      p.staging,
      `"${p.staging}" has ${st.length} bytes in HDFS, ${p.sentBytes} were sent`,
    );
  }
  if (ctx.verify === "checksum" && st.blockSize === p.checksum.blockSize) {
    const mine = p.checksum.digest();
    let theirs;
    try {
      theirs = await ctx.client.getFileChecksum(p.staging);
    } catch (e) {
      if (!(e instanceof HdfsError) || e.transient) throw e;
      theirs = undefined; // e.g. a gateway without GETFILECHECKSUM: read back instead
    }
    if (theirs && theirs.algorithm === mine.algorithm) {
      // "bytes" may carry padding after its `length` bytes
      if (theirs.bytes.slice(0, theirs.length * 2) !== mine.bytes) {
        throw new HdfsVerifyError(
          "GETFILECHECKSUM",
          p.staging,
          `"${p.staging}": HDFS checksum ${theirs.bytes} differs from the data sent (${mine.bytes})`,
        );
      }
      return "checksum";
    }
    // another checksum type or combine mode: fall through to a read-back
  }
  const h = createHash("sha256");
  let n = 0;
  for await (const chunk of await ctx.client.open(p.staging)) {
    h.update(chunk);
    n += chunk.length;
  }
  const got = h.digest("hex");
  if (n !== p.sentBytes || got !== sha256) {
    throw new HdfsVerifyError(
      "OPEN",
      p.staging,
      `"${p.staging}" reads back as ${n} bytes sha256 ${got}, sent ${p.sentBytes} bytes ${sha256}`,
    );
  }
  return "readback";
}
