/**
 * One piece of a source file on its way to HDFS: raw lines go in, are gzipped
 * with CompressionStream and streamed to a staging file, while the SHA-256,
 * the HDFS checksum and the length of what was sent are computed on the way.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import type { WebHdfsClient } from "../webhdfs/client.ts";
import { HdfsChecksum } from "../webhdfs/checksum.ts";
import type { RateLimit } from "./rate_limit.ts";

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
  readonly checksum = new HdfsChecksum();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<void>;
  #failed: unknown;

  constructor(
    client: WebHdfsClient,
    staging: string,
    day: number,
    index: number,
    limiter: RateLimit,
    permission: string,
  ) {
    this.day = day;
    this.index = index;
    this.staging = staging;
    const gzip = new CompressionStream("gzip") as unknown as TransformStream<
      Uint8Array,
      Uint8Array
    >;
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform: async (chunk, c) => {
        this.sentHash.update(chunk);
        this.checksum.update(chunk);
        this.sentBytes += chunk.length;
        await limiter.take(chunk.length);
        c.enqueue(chunk);
      },
    });
    this.#done = client.create(staging, gzip.readable.pipeThrough(tap), {
      overwrite: false,
      permission,
    });
    // observed in write()/finish(); never an unhandled rejection
    this.#done.catch((e) => this.#failed ??= e);
    this.#writer = gzip.writable.getWriter();
  }

  /** Feeds raw bytes (whole lines) of the piece. */
  async write(bytes: Uint8Array, lines: number): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.rawHash.update(bytes);
    this.rawBytes += bytes.length;
    this.lines += lines;
    try {
      await this.#writer.write(bytes);
    } catch (e) {
      await this.#done.catch(() => {});
      throw this.#failed ?? e;
    }
  }

  /** Ends the piece and waits until the DataNode (or gateway) has closed the file. */
  async finish(): Promise<void> {
    if (this.#failed) throw this.#failed;
    try {
      await this.#writer.close();
    } catch (e) {
      await this.#done.catch(() => {});
      throw this.#failed ?? e;
    }
    await this.#done;
  }

  /** Stops the upload (errors ignored); the caller deletes the staging file. */
  async abort(reason: unknown): Promise<void> {
    await this.#writer.abort(reason).catch(() => {});
    await this.#done.catch(() => {});
  }
}
