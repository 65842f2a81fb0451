import assert from "node:assert/strict";
import { ChainWriter, keyAt, SegmentMac, toHex } from "./chain.ts";
import { newRunKey } from "./escrow.ts";
import { sealedStatsLine } from "./record.ts";
import { BOOT, threeFiles } from "./testing.ts";
import { type ChainBreak, ChainVerifier, feedStream, parseSeal, verifyFiles } from "./verify.ts";

const te = new TextEncoder();

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "sa-chain-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function lines(p: string): Promise<string[]> {
  return (await Deno.readTextFile(p)).split("\n");
}

function only(breaks: ChainBreak[], kind: string): ChainBreak {
  assert.equal(breaks.length, 1, JSON.stringify(breaks));
  assert.equal(breaks[0].kind, kind, JSON.stringify(breaks));
  return breaks[0];
}

Deno.test("verifyFiles() passes untouched files across rotations, one of them gzipped", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir, 0);
    const r = await verifyFiles(paths, { keys: new Map([[s.nonce, s.k0]]) });
    assert.deepEqual(r.breaks, []);
    assert.ok(r.ok);
    // open + 12 periodic + 2 close + 2 reopen + exit
    assert.equal(r.counts.verified, 18);
    assert.equal(r.runs.length, 1);
    assert.equal(r.runs[0].end, "exit");
    // a middle file on its own verifies too (it starts at its reopen record)
    const alone = await verifyFiles([paths[1]], { keys: new Map([[s.nonce, s.k0]]) });
    assert.deepEqual(alone.breaks, []);
  });
});

Deno.test("verifyFiles() names the segment of an edited byte", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const l = await lines(paths[1]);
    l[100] = l[100].replace("line", "linE"); // line 101
    await Deno.writeTextFile(paths[1], l.join("\n"));
    const r = await verifyFiles(paths, { keys: new Map([[s.nonce, s.k0]]) });
    const b = only(r.breaks, "edited");
    assert.equal(b.file, paths[1]);
    // the segment holding line 101: lines 54..103 (after the periodic record at line 53)
    assert.equal(b.line, 53);
    assert.match(b.detail, /lines 53-103, segment 8 /);
  });
});

Deno.test("verifyFiles() reports a deleted line as lines missing", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const l = await lines(paths[0]);
    l.splice(10, 1); // line 11
    await Deno.writeTextFile(paths[0], l.join("\n"));
    const r = await verifyFiles(paths, { keys: new Map([[s.nonce, s.k0]]) });
    const b = only(r.breaks, "lines-missing");
    assert.equal(b.file, paths[0]);
    assert.equal(b.line, 2);
    assert.match(b.detail, /1 of 50 lines missing/);
  });
});

Deno.test("verifyFiles() reports a cut tail, and a file cut short before the next one", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const keys = new Map([[s.nonce, s.k0]]);
    // the last file cut inside a line
    const last = await Deno.readFile(paths[2]);
    await Deno.writeFile(paths[2], last.subarray(0, last.length - 500));
    let r = await verifyFiles(paths, { keys });
    const tail = only(r.breaks, "unverifiable-tail");
    assert.equal(tail.file, paths[2]);
    assert.match(tail.detail, /after the last chain record/);
    // the first file cut short (its close record gone): seen at the next file
    await s.save(dir);
    const l = await lines(paths[0]);
    await Deno.writeTextFile(paths[0], l.slice(0, 120).join("\n") + "\n");
    r = await verifyFiles(paths, { keys });
    const cut = only(r.breaks, "file-missing");
    assert.equal(cut.file, paths[0]);
    assert.equal(cut.line, 104);
    assert.match(cut.detail, /missing between .*audit\.log\.0 and .*audit\.log\.1 .*cut short/);
  });
});

Deno.test("verifyFiles() reports a missing middle file and swapped files", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const keys = new Map([[s.nonce, s.k0]]);
    let r = await verifyFiles([paths[0], paths[2]], { keys });
    const gap = only(r.breaks, "file-missing");
    assert.equal(gap.file, paths[2]);
    assert.equal(gap.line, 1);
    assert.match(gap.detail, /segments 6-11 of run .* missing between/);
    r = await verifyFiles([paths[0], paths[2], paths[1]], { keys });
    assert.deepEqual(r.breaks.map((b) => [b.kind, b.file, b.line]), [
      ["file-missing", paths[2], 1],
      ["reordered", paths[1], 1],
    ]);
  });
});

Deno.test("verifyFiles() without the run's key reports it unverifiable, never ok", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const r = await verifyFiles(await s.save(dir), { keys: new Map() });
    const b = only(r.breaks, "no-key");
    assert.equal(b.line, 1);
    assert.equal(r.counts.verified, 0);
    assert.equal(r.counts.unverifiable, 19);
  });
});

/**
 * Re-seals every record from segment 1 on, as an attacker holding keys
 * would: `keyFor(seg)` is the key used for each segment.
 */
async function reseal(paths: string[], keyFor: (seg: number) => Uint8Array) {
  let mac: SegmentMac | null = null;
  let last = "";
  for (const p of paths) {
    const out: string[] = [];
    for (const l of (await Deno.readTextFile(p)).split("\n").slice(0, -1)) {
      const b = te.encode(l + "\n");
      const rec = parseSeal(b);
      if (!rec) {
        mac?.update(b);
        out.push(l);
        continue;
      }
      let chain = rec.chain;
      if (mac && rec.seg >= 1) {
        // a reopen names the previous chain: rewritten too
        const prefix = te.encode(
          new TextDecoder().decode(rec.prefix).replace(
            /\tprev_chain=[0-9a-f]{64}/,
            `\tprev_chain=${last}`,
          ),
        );
        chain = mac.peek(prefix);
        out.push(`${new TextDecoder().decode(prefix)}${toHex(chain)}\t.`);
      } else out.push(l);
      last = toHex(chain);
      mac = new SegmentMac(keyFor(rec.seg + 1), chain);
    }
    await Deno.writeTextFile(p, out.join("\n") + "\n");
  }
}

Deno.test("ChainWriter evolves its key: K(N) cannot forge segment N-1", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const keys = new Map([[s.nonce, s.k0]]);
    const edit = async (paths: string[]) => {
      const text = await lines(paths[0]);
      text[10] = text[10].replace("line", "LINE"); // line 11: segment 1 (lines 2-52)
      await Deno.writeTextFile(paths[0], text.join("\n"));
    };
    // the attacker took the host after record 1 was written: the host holds K(2) only.
    // Segment 1 edited and every record re-sealed from there on, K(2) used for segment 1:
    let paths = await s.save(dir);
    await edit(paths);
    await reseal(paths, (seg) => keyAt(s.k0, seg === 1 ? 2 : seg));
    let r = await verifyFiles(paths, { keys });
    const b = only(r.breaks, "edited");
    assert.equal(b.file, paths[0]);
    assert.equal(b.line, 2);
    assert.match(b.detail, /segment 1 of run/);
    // the same forgery with K(1), which the host no longer holds, would pass
    paths = await s.save(dir);
    await edit(paths);
    await reseal(paths, (seg) => keyAt(s.k0, seg));
    r = await verifyFiles(paths, { keys });
    assert.deepEqual(r.breaks, []);
    // later segments are the attacker's to rewrite: what the live key allows
  });
});

Deno.test("ChainWriter keeps the segment open when a record does not reach the file", () => {
  const { k0, nonce } = newRunKey();
  const c = new ChainWriter(k0);
  const line = sealedStatsLine(c, nonce, "1", BOOT, "open", {});
  c.feed(line);
  c.written(true);
  assert.equal(c.seg, 1);
  c.feed(te.encode("a\n"));
  sealedStatsLine(c, nonce, "2", BOOT, "periodic", {});
  c.written(false); // dropped by the disk guard
  assert.equal(c.seg, 1);
  assert.equal(c.segLines, 1);
  const again = sealedStatsLine(c, nonce, "3", BOOT, "periodic", {});
  c.feed(again);
  c.written(true);
  assert.equal(c.seg, 2);
  assert.equal(c.segLines, 0);
});

Deno.test("feedStream() reads a 64 MB line arriving in 1,024 chunks and the line after it", async () => {
  const v = new ChainVerifier({ keys: new Map() });
  const chunk = new Uint8Array(1 << 16).fill(0x61);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent < 1024) {
        c.enqueue(chunk.slice());
        sent++;
      } else if (sent === 1024) {
        c.enqueue(new TextEncoder().encode("\nnext line\n"));
        sent++;
      } else c.close();
    },
  });
  // (quadratic re-joining of 1,024 chunks would copy 32 GB and take minutes; linear copies 64 MB)
  assert.equal(await feedStream(v, stream, "long"), 2);
});
