import assert from "node:assert/strict";
import { pcreSource } from "./check.ts";
import { regexBranches, regexExample } from "./regex_example.ts";
import { parseRule } from "./rule.ts";
import { readRuleDir, SIGMAHQ_PROCESS_CREATION } from "../shared_sigma.ts";

Deno.test("regexExample() builds a match of every branch of each SigmaHQ process_creation |re", async () => {
  const patterns = new Set<string>();
  for (const { file, text } of await readRuleDir(SIGMAHQ_PROCESS_CREATION)) {
    for (const sel of parseRule(file, text).selections.values()) {
      for (const items of sel.alternatives) {
        for (const item of items) {
          if (item.mods.includes("re")) { for (const v of item.values) patterns.add(String(v)); }
        }
      }
    }
  }
  assert.ok(patterns.size > 0, "the rules have |re values");
  for (const p of patterns) {
    const re = new RegExp(pcreSource(p));
    for (let choice = 0; choice < regexBranches(p); choice++) {
      const example = regexExample(p, choice);
      assert.ok(re.test(example), `${p} choice ${choice}: ${JSON.stringify(example)}`);
    }
  }
});

Deno.test("regexExample() walks alternation branches with choice", () => {
  const seen = new Set([0, 1, 2].map((c) => regexExample("x(?:ab|cd|e[f-h])+y", c)));
  assert.equal(seen.size, 3);
  for (const s of seen) assert.match(s, /^x(?:ab|cd|e[f-h])+y$/);
  assert.equal(regexBranches("x(?:ab|cd|e[f-h])+y"), 3);
});

Deno.test("regexExample() takes each quantifier's minimum and a negated class's allowed char", () => {
  const s = regexExample("a{3,5}b*c+[^a-z0]");
  assert.match(s, /^a{3,5}b*c+[^a-z0]$/);
  assert.equal(s.length, 5);
});

Deno.test("regexExample() rejects syntax outside the Sigma subset", () => {
  assert.throws(() => regexExample("\\bfoo"), /escape \\b/);
  assert.throws(() => regexExample("(?=x)y"), /group syntax/);
  assert.throws(() => regexExample("(ab"), /missing \)/);
});

Deno.test("pcreSource() keeps \\s to ASCII whitespace, in and out of classes", () => {
  assert.ok(new RegExp(pcreSource("a\\sb")).test("a\tb"));
  assert.ok(!new RegExp(pcreSource("a\\sb")).test("a\u00a0b"));
  assert.ok(!new RegExp(pcreSource("^[^-\\s]$")).test("\t"));
  assert.ok(new RegExp(pcreSource("^[^-\\s]$")).test("\u00a0"));
});
