import assert from "node:assert/strict";
import { stableFraction } from "./host_name.ts";

Deno.test("stableFraction() is stable and spread", () => {
  assert.deepStrictEqual(stableFraction("web-1"), stableFraction("web-1"));
  const xs = Array.from({ length: 1000 }, (_, i) => stableFraction(`host-${i}`));
  assert.deepStrictEqual(xs.every((x) => x >= 0 && x < 1), true);
  // every tenth of the range gets some hosts
  for (let k = 0; k < 10; k++) {
    assert.deepStrictEqual(xs.some((x) => x >= k / 10 && x < (k + 1) / 10), true);
  }
});
