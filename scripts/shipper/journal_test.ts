import assert from "node:assert/strict";
import { Journal, type JournalEntry } from "./journal.ts";

const entry = (source: string, ino: number): JournalEntry => ({
  v: 1,
  at: "2026-11-28T00:00:00.000Z",
  host: "h",
  source,
  dev: 1,
  ino,
  size: 10,
  mtimeMs: 5,
  raw_sha256: `sha-${source}`,
  raw_bytes: 2 ** 32 + 7,
  pieces: [],
});

Deno.test("Journal survives a torn last line and indexes by stat and content", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/shipped.jsonl`;
    const j = await Journal.load(path);
    await j.append(entry("a.1", 11));
    // a crash in the middle of the next append
    await Deno.writeTextFile(path, '{"v":1,"source":"b.1","ra', { append: true });
    const k = await Journal.load(path);
    assert.equal(k.entries.length, 1);
    await k.append(entry("c.1", 13));
    const m = await Journal.load(path);
    assert.deepStrictEqual(m.entries.map((e) => e.source), ["a.1", "c.1"]);
    assert.equal(m.byStat({ dev: 1, ino: 13, size: 10, mtimeMs: 5 })?.source, "c.1");
    assert.equal(m.byStat({ dev: 1, ino: 13, size: 11, mtimeMs: 5 }), undefined);
    assert.equal(m.byRawSha("sha-a.1")?.source, "a.1");
    assert.ok(m.hasRawSizeMod32(7));
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Journal.shippedPrefix() chains the ranges of an inode from offset 0", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const j = await Journal.load(`${dir}/shipped.jsonl`);
    const piece = {
      path: "p",
      day: "d",
      bytes: 1,
      sha256: "s",
      raw_sha256: "r",
      lines: 1,
    } as const;
    const range = (ino: number, offset: number, bytes: number, first: number, pieces: number) => ({
      ...entry(`f${ino}`, ino),
      raw_sha256: `sha-${ino}-${offset}`,
      raw_bytes: bytes,
      size: offset + bytes,
      raw_offset: offset,
      stamp: "20261127T000000.000000000Z",
      fallback_day: 20000,
      first_piece: first,
      pieces: Array.from(
        { length: pieces },
        () => ({ ...piece, verified: "checksum" as const, outcome: "shipped" as const }),
      ),
    });
    await j.append(range(21, 0, 100, 0, 2));
    await j.append(range(21, 100, 50, 2, 1));
    const k = await Journal.load(j.path);
    assert.deepStrictEqual(k.shippedPrefix({ dev: 1, ino: 21 }), {
      ranges: [
        { offset: 0, bytes: 100, raw_sha256: "sha-21-0", fallback_day: 20000 },
        { offset: 100, bytes: 50, raw_sha256: "sha-21-100", fallback_day: 20000 },
      ],
      rawEnd: 150,
      size: 150,
      stamp: "20261127T000000.000000000Z",
      nextPiece: 3,
    });
    // a compressed copy of the grown file is looked for by its whole length
    assert.deepStrictEqual(k.grownPrefixesMod32(150).map((p) => p.rawEnd), [150]);
    assert.deepStrictEqual(k.grownPrefixesMod32(100), []);
    // the inode reused by a new file shipped whole: a new chain
    await k.append(range(21, 0, 10, 0, 1));
    assert.equal(k.shippedPrefix({ dev: 1, ino: 21 })?.rawEnd, 10);
    // entries from before ranges existed cannot be checked again: no prefix
    await k.append(entry("old", 22));
    assert.equal(k.shippedPrefix({ dev: 1, ino: 22 }), undefined);
    assert.equal(k.shippedPrefix({ dev: 1, ino: 23 }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
