import assert from "node:assert/strict";
import { deepMerge, parseRuleYaml } from "./yaml_docs.ts";

Deno.test("parseRuleYaml() keeps dates as text (YAML 1.2 core schema)", () => {
  assert.deepStrictEqual(parseRuleYaml("date: 2024-09-02\nn: 0x17\ns: '0x17'"), {
    docs: [{ date: "2024-09-02", n: 23, s: "0x17" }],
  });
});

Deno.test("parseRuleYaml() applies action global, repeat and reset", () => {
  const text = [
    "action: global",
    "logsource: {product: linux}",
    "---",
    "id: a",
    "logsource: {category: process_creation}",
    "---",
    "action: repeat",
    "id: b",
    "---",
    "action: reset",
    "---",
    "id: c",
  ].join("\n");
  assert.deepStrictEqual(parseRuleYaml(text), {
    docs: [
      { id: "a", logsource: { product: "linux", category: "process_creation" } },
      { id: "b", logsource: { product: "linux", category: "process_creation" } },
      { id: "c" },
    ],
  });
  assert.deepStrictEqual(parseRuleYaml("action: fly\n"), { error: `unknown action "fly"` });
  assert.deepStrictEqual(parseRuleYaml("action: global\nx: 1\n"), {
    error: "no rule in the file (only action documents)",
  });
});

Deno.test("deepMerge() merges maps and replaces everything else", () => {
  assert.deepStrictEqual(
    deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 }, d: { x: 1 } }),
    { a: { b: 1, c: [2], e: 3 }, d: { x: 1 } },
  );
});

Deno.test("parseRuleYaml() refuses alias bombs", () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 8; i++) {
    lines.push(
      `${"b".repeat(i + 1)}: &${"b".repeat(i + 1)} [${
        new Array(10).fill(i === 0 ? "*a" : `*${"b".repeat(i)}`).join(", ")
      }]`,
    );
  }
  const r = parseRuleYaml(lines.join("\n"));
  assert.ok("error" in r && r.error.startsWith("YAML: "), JSON.stringify(r).slice(0, 200));
});
