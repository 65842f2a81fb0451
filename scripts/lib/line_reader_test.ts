import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { MAX_LINE_BYTES } from "../logformat/mod.ts";
import { type Line, openStream, readLines } from "./line_reader.ts";

/** A stream of `chunks` (each yielded as given). */
function streamOf(chunks: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.iterator]();
  return new ReadableStream({
    pull(c) {
      const r = it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
  }, { highWaterMark: 0 });
}

async function collect(s: ReadableStream<Uint8Array>, maxLineBytes?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(s, { maxLineBytes })) out.push(l);
  return out;
}

Deno.test("readLines() splits the same lines whatever the chunking, multi-byte text too", async () => {
  const text = "E2\ta\u20acb\t.\n\nS1\t\u{1f600}x\n\ufffd\rlast";
  const bytes = new TextEncoder().encode(text);
  const want = text.split("\n");
  for (const size of [1, 2, 3, 5, 7, bytes.length]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
    const lines = await collect(streamOf(chunks));
    assert.deepEqual(lines.map((l) => l.text), want, `chunks of ${size}`);
    assert.deepEqual(lines.map((l) => l.no), want.map((_, i) => i + 1));
    assert.deepEqual(lines.map((l) => l.terminated), want.map((_, i) => i < want.length - 1));
  }
});

Deno.test("readLines() yields one tooLong line for a line over the cap and reads on after it", async () => {
  const enc = new TextEncoder();
  const chunks = [enc.encode("ok\n12345"), enc.encode("6789"), enc.encode("0\nafter\n1234567890")];
  const lines = await collect(streamOf(chunks), 8);
  assert.deepEqual(lines, [
    { text: "ok", no: 1, terminated: true },
    { text: "", no: 2, terminated: true, tooLong: true, bytes: 10 },
    { text: "after", no: 3, terminated: true },
    { text: "", no: 4, terminated: false, tooLong: true, bytes: 10 },
  ]);
  // at the cap exactly: read
  const edge = await collect(streamOf([enc.encode("12345678\n")]), 8);
  assert.deepEqual(edge, [{ text: "12345678", no: 1, terminated: true }]);
});

Deno.test("readLines() skips a 100 MB line in bounded memory and reads the line after it", async () => {
  const piece = new Uint8Array(1 << 20).fill(0x41); // 1 MiB of "A", the same buffer each time
  const pieces = 100;
  // Deno's own rss is some 250 MB before anything: bound the growth
  const before = Deno.memoryUsage().rss;
  let peak = before;
  function* source() {
    for (let i = 0; i < pieces; i++) {
      peak = Math.max(peak, Deno.memoryUsage().rss);
      yield piece;
    }
    yield new TextEncoder().encode("\nnext line\n");
  }
  const lines = await collect(streamOf(source()));
  assert.deepEqual(lines, [
    { text: "", no: 1, terminated: true, tooLong: true, bytes: pieces << 20 },
    { text: "next line", no: 2, terminated: true },
  ]);
  assert.ok(peak - before < 64 * 2 ** 20, `rss grew by ${peak - before} bytes while skipping`);
});

Deno.test("readLines() over openStream() skips a gzip bomb line of NULs and reads on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = new Uint8Array(3 * MAX_LINE_BYTES + 11);
    raw.set(new TextEncoder().encode("\nok\n"), raw.length - 4);
    const path = `${dir}/nul.log.gz`;
    await Deno.writeFile(path, gzipSync(raw));
    const before = Deno.memoryUsage().rss;
    let peak = before;
    const lines: Line[] = [];
    for await (const l of readLines(await openStream(path))) {
      peak = Math.max(peak, Deno.memoryUsage().rss);
      lines.push(l);
    }
    assert.deepEqual(lines, [
      { text: "", no: 1, terminated: true, tooLong: true, bytes: raw.length - 4 },
      { text: "ok", no: 2, terminated: true },
    ]);
    assert.ok(peak - before < 64 * 2 ** 20, `rss grew by ${peak - before} bytes`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
