import assert from "node:assert/strict";
import { escrowRecord, writeEscrow } from "../tamper/escrow.ts";
import { BOOT, threeFiles } from "../tamper/testing.ts";
import { countChains } from "./chains.ts";

Deno.test("countChains() counts verified, broken and unverifiable segments of a local day", async () => {
  const root = await Deno.makeTempDir({ prefix: "sa-chains-" });
  try {
    const s = threeFiles();
    const day = "2025-12-01";
    const host = `${root}/dt=${day}/host=h1`;
    await Deno.mkdir(host, { recursive: true });
    writeEscrow(
      `${root}/_keys/host=h1`,
      escrowRecord(s.k0, { host: "h1", boot: BOOT, nonce: s.nonce }),
    );
    const text = s.files.map((f) =>
      new TextDecoder().decode(new Uint8Array(f.flatMap((b) => [...b])))
    );
    // the day starts inside the first file (its first 60 lines were the previous day's)
    await Deno.writeTextFile(
      `${host}/a.0.log`,
      text[0].split("\n").slice(60).join("\n"),
    );
    await Deno.writeTextFile(`${host}/b.0.log`, text[1]);
    await Deno.writeTextFile(`${host}/c.0.log`, text[2].replace("line 500\t", "line 5OO\t"));
    const n = await countChains(root, day);
    // a.0: lines 1-42 unverifiable (the head), the record after them picks the chain up;
    // 3 + 6 + 5 verified, c.0's segment holding the edit broken
    assert.deepEqual(n.counters, {
      "chain/verified": 14,
      "chain/broken": 1,
      "chain/unverifiable": 2,
    });
    assert.equal(n.breaks.length, 1);
    assert.match(n.breaks[0], /^host=h1: .*c\.0\.log:\d+: edited: /);
    assert.equal(n.unverifiable.length, 1);
    assert.match(n.unverifiable[0], /^host=h1: .*a\.0\.log:1: unverifiable-head: /);
    // hdfs:// is Spark's alone
    assert.match((await countChains("hdfs://nn:8020/x", day)).skipped!, /hdfs:\/\/ input/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
