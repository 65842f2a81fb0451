import assert from "node:assert/strict";
import { chainVerdict, VERIFIER_NOT_WIRED } from "./chain_verdict.ts";

Deno.test("chainVerdict() says unverifiable until the verifier is wired in", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/log`, "S1\t1795849501000000001\tboot\n");
    const v = await chainVerdict(`${dir}/log`);
    assert.equal(v, VERIFIER_NOT_WIRED);
    assert.equal(v, "unverifiable: verifier not wired");
    // the grammar the xattr promises
    assert.match(v, /^(ok|broken: .+|unverifiable: .+)$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
