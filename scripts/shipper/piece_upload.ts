/**
 * One piece of a source file on its way to HDFS: raw lines go in, are
 * gzipped in blocks (one gzip member per piece) and streamed to a staging
 * file, while the SHA-256, HDFS's checksum and the length of what is sent are
 * computed on the way. Memory is bounded: one block, and at most
 * `maxQueued` compressed bytes waiting for the network.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import type { WebHdfsClient } from "../webhdfs/client.ts";
import { HdfsChecksum } from "../webhdfs/checksum.ts";
import { GzipSession } from "./gzip_session.ts";
import type { RateLimit } from "./rate_limit.ts";

/** How a piece is compressed and sent. */
export interface PieceOptions {
  /** zlib level 1..9 */
  level: number;
  limiter: RateLimit;
  /** octal permission of the file */
  permission: string;
  /** raw bytes compressed at a time. @default 1 MiB */
  blockBytes?: number;
  /** compressed bytes waiting for the network, at most. @default 4 MiB */
  maxQueued?: number;
  /** HDFS block size of the file (the checksum is computed per block). @default 128 MiB */
  blockSize?: number;
}

/** A piece being uploaded; {@link write} raw bytes, then {@link finish}. */
export class PieceUpload {
  /** UTC day number */
  readonly day: number;
  /** index of the piece within its source file */
  readonly index: number;
  /** HDFS staging path */
  readonly staging: string;
  rawBytes = 0;
  lines = 0;
  /** bytes sent (gzip) */
  sentBytes = 0;
  readonly rawHash: Hash = createHash("sha256");
  readonly sentHash: Hash = createHash("sha256");
  readonly checksum: HdfsChecksum;
  readonly #gz: GzipSession;
  readonly #block: Uint8Array;
  readonly #maxQueued: number;
  #fill = 0;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #closed = false;
  /** wakes the body's pull (output queued, or closed) */
  #wakeReader: (() => void) | undefined;
  /** wakes a writer waiting for room */
  #wakeWriter: (() => void) | undefined;
  readonly #done: Promise<void>;
  #failed: unknown;

  constructor(client: WebHdfsClient, staging: string, day: number, index: number, o: PieceOptions) {
    this.day = day;
    this.index = index;
    this.staging = staging;
    this.#gz = new GzipSession(o.level);
    this.checksum = new HdfsChecksum(o.blockSize);
    this.#block = new Uint8Array(o.blockBytes ?? 1024 * 1024);
    this.#maxQueued = o.maxQueued ?? 4 * 1024 * 1024;
    const limiter = o.limiter;
    const body = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        while (!this.#queue.length && !this.#closed) {
          await new Promise<void>((r) => (this.#wakeReader = r));
        }
        const out = this.#queue.shift();
        if (!out) {
          c.close();
          return;
        }
        this.#queued -= out.length;
        this.#wakeWriter?.();
        this.sentHash.update(out);
        this.checksum.update(out);
        this.sentBytes += out.length;
        await limiter.take(out.length);
        c.enqueue(out);
      },
    }, { highWaterMark: 0 });
    this.#done = client.create(staging, body, {
      overwrite: false,
      permission: o.permission,
      blockSize: this.checksum.blockSize,
    });
    // observed in write()/finish(); never an unhandled rejection
    this.#done.catch((e) => {
      this.#failed ??= e;
      this.#wakeWriter?.();
    });
  }

  /** Feeds raw bytes (whole lines) of the piece; they are copied. */
  async write(bytes: Uint8Array, lines: number): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.rawHash.update(bytes);
    this.rawBytes += bytes.length;
    this.lines += lines;
    let i = 0;
    while (i < bytes.length) {
      const take = Math.min(bytes.length - i, this.#block.length - this.#fill);
      this.#block.set(bytes.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === this.#block.length) await this.#compressBlock();
    }
  }

  async #compressBlock(): Promise<void> {
    const out = await this.#gz.write(this.#block.subarray(0, this.#fill));
    this.#fill = 0;
    await this.#put(out);
  }

  async #put(out: Uint8Array): Promise<void> {
    while (this.#queued > this.#maxQueued && !this.#failed) {
      await new Promise<void>((r) => (this.#wakeWriter = r));
    }
    if (this.#failed) throw this.#failed;
    if (!out.length) return;
    this.#queue.push(out);
    this.#queued += out.length;
    this.#wakeReader?.();
  }

  /** Ends the piece and waits until the DataNode (or gateway) has closed the file. */
  async finish(): Promise<void> {
    if (this.#fill) await this.#compressBlock();
    await this.#put(await this.#gz.end());
    this.#closed = true;
    this.#wakeReader?.();
    await this.#done;
  }

  /** Stops the upload (errors ignored); the caller deletes the staging file. */
  async abort(_reason: unknown): Promise<void> {
    this.#failed ??= new Error("aborted");
    this.#queue.length = 0;
    this.#closed = true;
    this.#wakeReader?.();
    await this.#done.catch(() => {});
  }
}
