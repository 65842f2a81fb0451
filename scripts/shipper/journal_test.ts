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
