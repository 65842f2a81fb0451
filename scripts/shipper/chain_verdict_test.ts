import assert from "node:assert/strict";
import { escrowRecord, writeEscrow } from "../tamper/escrow.ts";
import { BOOT, threeFiles } from "../tamper/testing.ts";
import { chainVerdict } from "./chain_verdict.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "sa-verdict-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const GRAMMAR = /^(ok|broken: .+|unverifiable: .+)$/;

Deno.test("chainVerdict() is ok with the run's key still escrowed here, broken after an edit", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const keyDir = `${dir}/keys`;
    writeEscrow(keyDir, escrowRecord(s.k0, { host: "h1", boot: BOOT, nonce: s.nonce }));
    assert.equal(await chainVerdict(paths[1], keyDir), "ok");
    const lines = (await Deno.readTextFile(paths[1])).split("\n");
    lines[100] = lines[100].replace("line", "linE");
    await Deno.writeTextFile(paths[1], lines.join("\n"));
    const v = await chainVerdict(paths[1], keyDir);
    assert.match(v, /^broken: line \d+: edited: /);
    assert.match(v, GRAMMAR);
    assert.ok(v.length <= 300);
  });
});

Deno.test("chainVerdict() without the key: unverifiable, but a missing segment is still broken", async () => {
  await withDir(async (dir) => {
    const s = threeFiles();
    const paths = await s.save(dir);
    const v = await chainVerdict(paths[1], `${dir}/no-keys`);
    assert.match(v, /^unverifiable: line 1: no-key: /);
    // drop a whole segment (its lines and its chain record): the structure breaks, key or not
    const lines = (await Deno.readTextFile(paths[1])).split("\n");
    const seals = lines.flatMap((l, i) => l.startsWith("S1\t") ? [i] : []);
    lines.splice(seals[1] + 1, seals[2] - seals[1]);
    await Deno.writeTextFile(paths[1], lines.join("\n"));
    assert.match(
      await chainVerdict(paths[1], `${dir}/no-keys`),
      /^broken: line \d+: lines-missing: /,
    );
  });
});

Deno.test("chainVerdict() of a log without chain records (before 0.2.0) is unverifiable", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/log`, "E1\t1795849501000000001\tboot\t.\n");
    assert.match(await chainVerdict(`${dir}/log`), /^unverifiable: /);
  });
});
