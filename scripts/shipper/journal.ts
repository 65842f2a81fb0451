/**
 * The local journal of shipped files: one JSON object per line, appended and
 * synced after a file's pieces are verified in HDFS. It lets later runs
 * recognise a file kept for `--keep-days` (by inode, size and mtime, or by
 * the SHA-256 of its uncompressed content after logrotate compressed it).
 * It also knows how much of a file was shipped (by device, inode and the
 * content id of each shipped range), so a file that grew after it was shipped
 * ships only its new tail. Correctness does not depend on it: HDFS names and
 * hashes make a re-upload a no-op.
 *
 * @module
 */

/** One shipped piece. */
export interface ShippedPiece {
  /** HDFS path */
  path: string;
  /** "2026-11-27" */
  day: string;
  /** stored (gzip) bytes */
  bytes: number;
  /** SHA-256 of the stored bytes */
  sha256: string;
  /** SHA-256 of the uncompressed content (its identity) */
  raw_sha256: string;
  lines: number;
  /** how the stored bytes were proven: HDFS's block checksums, or a read-back */
  verified: "checksum" | "readback";
  /** "shipped", "present" (already in HDFS with the same content) or "conflict" (shipped under a new name) */
  outcome: "shipped" | "present" | "conflict";
}

/** One shipped file. */
export interface JournalEntry {
  v: 1;
  /** ISO time of shipping */
  at: string;
  host: string;
  source: string;
  dev: number;
  ino: number;
  /** bytes of the local file shipped (its size when picked) */
  size: number;
  mtimeMs: number;
  /**
   * content identity of the uncompressed range shipped (SHA-256 over the
   * pieces' uncompressed SHA-256s) and its length
   */
  raw_sha256: string;
  raw_bytes: number;
  pieces: ShippedPiece[];
  /** where the range starts in the uncompressed file: 0, or the end of the range shipped before (growth). @default 0 */
  raw_offset?: number;
  /** the file's name stamp (time of its first record), shared by all its ranges */
  stamp?: string;
  /** the day lines without a time went to (from the mtime): needed to split the range again */
  fallback_day?: number;
  /** the index of the range's first piece within the file. @default 0 */
  first_piece?: number;
}

/** What is known to be shipped of one file (dev+inode): its ranges, in order, from offset 0. */
export interface ShippedPrefix {
  ranges: { offset: number; bytes: number; raw_sha256: string; fallback_day: number }[];
  /** end of the last range (uncompressed bytes) */
  rawEnd: number;
  /** local bytes of the file when its last range was shipped */
  size: number;
  stamp: string;
  /** index of the next piece */
  nextPiece: number;
}

/** The journal, in memory, indexed. */
export class Journal {
  readonly path: string;
  readonly entries: JournalEntry[] = [];
  readonly #byStat = new Map<string, JournalEntry>();
  readonly #byRaw = new Map<string, JournalEntry>();
  readonly #byInode = new Map<string, JournalEntry[]>();
  /** the file ends in a torn line: start the next entry on a new line */
  #torn = false;

  private constructor(path: string) {
    this.path = path;
  }

  /** Loads `path` (missing = empty; a torn or bad line is skipped). */
  static async load(path: string): Promise<Journal> {
    const j = new Journal(path);
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    j.#torn = text.length > 0 && !text.endsWith("\n");
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as JournalEntry;
        if (e.v === 1 && typeof e.raw_sha256 === "string") j.#index(e);
      } catch {
        // torn by a crash: that file is re-checked against HDFS
      }
    }
    return j;
  }

  #index(e: JournalEntry): void {
    this.entries.push(e);
    this.#byStat.set(statKey(e), e);
    this.#byRaw.set(e.raw_sha256, e);
    const k = `${e.dev}:${e.ino}`;
    const chain = this.#byInode.get(k) ?? [];
    // a whole file starts a new chain (an inode is reused once its file is deleted)
    if ((e.raw_offset ?? 0) === 0) chain.length = 0;
    chain.push(e);
    this.#byInode.set(k, chain);
  }

  /**
   * The ranges of the file at `dev`/`ino` shipped so far, if they form an
   * unbroken chain from offset 0 with what is needed to check them again
   * (entries written before ranges existed have no stamp: undefined).
   */
  shippedPrefix(f: { dev: number; ino: number }): ShippedPrefix | undefined {
    const chain = this.#byInode.get(`${f.dev}:${f.ino}`);
    if (!chain?.length) return undefined;
    const ranges: ShippedPrefix["ranges"] = [];
    let end = 0;
    for (const e of chain) {
      if ((e.raw_offset ?? 0) !== end || e.stamp === undefined || e.fallback_day === undefined) {
        return undefined;
      }
      ranges.push({
        offset: end,
        bytes: e.raw_bytes,
        raw_sha256: e.raw_sha256,
        fallback_day: e.fallback_day,
      });
      end += e.raw_bytes;
    }
    const last = chain[chain.length - 1];
    return {
      ranges,
      rawEnd: end,
      size: last.size,
      stamp: chain[0].stamp!,
      nextPiece: (last.first_piece ?? 0) + last.pieces.length,
    };
  }

  /** The entry of this very file (same inode, size and mtime), if any. */
  byStat(f: { dev: number; ino: number; size: number; mtimeMs: number }): JournalEntry | undefined {
    return this.#byStat.get(statKey(f));
  }

  /** The entry of a file with this uncompressed content, if any. */
  byRawSha(sha: string): JournalEntry | undefined {
    return this.#byRaw.get(sha);
  }

  /**
   * The files shipped in more than one range (they grew) whose uncompressed
   * length matches a gzip ISIZE (length mod 2^32): candidates for a
   * compressed copy of such a file.
   */
  grownPrefixesMod32(isize: number): ShippedPrefix[] {
    const out: ShippedPrefix[] = [];
    for (const chain of this.#byInode.values()) {
      const { dev, ino } = chain[0];
      const p = chain.length > 1 ? this.shippedPrefix({ dev, ino }) : undefined;
      if (p && p.rawEnd % 2 ** 32 === isize) out.push(p);
    }
    return out;
  }

  /** true when some entry's uncompressed length matches a gzip ISIZE (length mod 2^32). */
  hasRawSizeMod32(isize: number): boolean {
    return this.entries.some((e) => e.raw_bytes % 2 ** 32 === isize);
  }

  /** Appends and syncs an entry. */
  async append(e: JournalEntry): Promise<void> {
    const f = await Deno.open(this.path, { append: true, create: true, mode: 0o600 });
    try {
      const bytes = new TextEncoder().encode((this.#torn ? "\n" : "") + JSON.stringify(e) + "\n");
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
      this.#torn = false;
    } finally {
      f.close();
    }
    this.#index(e);
  }
}

function statKey(f: { dev: number; ino: number; size: number; mtimeMs: number }): string {
  return `${f.dev}:${f.ino}:${f.size}:${f.mtimeMs}`;
}
