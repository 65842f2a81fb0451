import assert from "node:assert/strict";
import { stringMatcher } from "./evaluate.ts";
import { fold } from "./fold.ts";
import { parseSigmaString } from "./sigma_string.ts";
import { matcher, ruleOf } from "./testing.ts";

const sel = (item: string) => `
    selection:
        ${item}
    condition: selection
`;

Deno.test("CompiledRule.match() Field: null matches a null or absent field only", () => {
  const m = matcher(sel("ParentImage: null"));
  assert.equal(m({ ParentImage: null }), true);
  assert.equal(m({}), true);
  assert.equal(m({ ParentImage: "" }), false, "empty is not null");
  assert.equal(m({ ParentImage: "/bin/sh" }), false);
});

Deno.test("CompiledRule.match() an empty value list means null (pySigma)", () => {
  const m = matcher(sel("ParentImage: []"));
  assert.equal(m({}), true);
  assert.equal(m({ ParentImage: "x" }), false);
});

Deno.test("CompiledRule.match() '' matches the empty text only", () => {
  const m = matcher(sel("CurrentDirectory: ''"));
  assert.equal(m({ CurrentDirectory: "" }), true);
  assert.equal(m({ CurrentDirectory: null }), false);
  assert.equal(m({}), false);
});

Deno.test("CompiledRule.match() |exists tests presence, whatever the value", () => {
  const yes = matcher(sel("LogonId|exists: true"));
  const no = matcher(sel("LogonId|exists: false"));
  for (
    const [ev, present] of [[{ LogonId: 5 }, true], [{ LogonId: null }, true], [{
      LogonId: "",
    }, true], [{}, false]] as const
  ) {
    assert.equal(yes(ev), present);
    assert.equal(no(ev), !present);
  }
  assert.equal(yes({ LogonId: undefined }), false, "undefined is absent");
});

Deno.test("CompiledRule.match() reads an own field only (no prototype names)", () => {
  const m = matcher(sel("User|exists: true"));
  const ev = Object.create({ User: "inherited" });
  assert.equal(m(ev), false);
});

Deno.test("CompiledRule.match() compares strings case-insensitively, Unicode too", () => {
  const m = matcher(sel("User: 'ÀDMIN'"));
  assert.equal(m({ User: "àdmin" }), true);
  const sigma = matcher(sel("CommandLine|endswith: 'ΟΣ'"));
  assert.equal(sigma({ CommandLine: "λογοσ" }), true);
  assert.equal(sigma({ CommandLine: "λογος" }), true, "final sigma folds like sigma");
});

Deno.test("fold() folds character by character (the index relies on it)", () => {
  const samples = ["ΑΣ", "ΣΑ", "İx", "Straße", "ǅ", "A\udc80B"];
  for (const a of samples) {
    for (const b of samples) assert.equal(fold(a + b), fold(a) + fold(b), `${a}+${b}`);
  }
});

Deno.test("CompiledRule.match() compares numbers as numbers or as their text", () => {
  const m = matcher(sel("ProcessId: 1234"));
  assert.equal(m({ ProcessId: 1234 }), true);
  assert.equal(m({ ProcessId: "1234" }), true);
  assert.equal(m({ ProcessId: "1234.0" }), true, "a decimal text of the same value");
  assert.equal(m({ ProcessId: 1235 }), false);
  assert.equal(m({ ProcessId: "0x4d2" }), false, "hex text is not decimal");
  const s = matcher(sel("ProcessId: '12*'"));
  assert.equal(s({ ProcessId: 1299 }), true, "a number value has a text for patterns");
});

Deno.test("CompiledRule.match() compares booleans with booleans or their text", () => {
  const m = matcher(sel("Initiated: true"), { category: "network_connection" });
  assert.equal(m({ Initiated: true }), true);
  assert.equal(m({ Initiated: "True" }), true);
  assert.equal(m({ Initiated: false }), false);
  assert.equal(m({ Initiated: "yes" }), false);
});

Deno.test("CompiledRule.match() searches keywords in every string field of the category", () => {
  const m = matcher(`
    keywords:
        - 'base64 -d'
        - 'wget http*sh'
    condition: keywords
  `);
  assert.equal(m({ CommandLine: "echo x | BASE64 -d" }), true);
  assert.equal(m({ ParentCommandLine: "sh -c 'wget http://e/x.sh'" }), true);
  assert.equal(m({ CommandLine: "base64" }), false);
  assert.equal(m({ Other: "base64 -d" }), false, "only the catalog's fields");
  const all = matcher(`
    keywords:
        '|all':
            - 'curl'
            - '| sh'
    condition: keywords
  `);
  assert.equal(all({ CommandLine: "curl x | sh" }), true);
  assert.equal(all({ CommandLine: "curl x" }), false);
});

const TWO = `
    sel_img:
        Image|endswith: '/nc'
    sel_cli:
        CommandLine|contains: ' -e '
`;

Deno.test("CompiledRule.match() answers in three values with unknown fields (and)", () => {
  const m = matcher(TWO + "    condition: sel_img and sel_cli");
  assert.equal(m({ Image: "/bin/nc" }, ["CommandLine"]), null);
  assert.equal(m({ Image: "/bin/ls" }, ["CommandLine"]), false, "false and unknown is false");
  assert.equal(m({ Image: "/bin/nc", CommandLine: "nc -e sh" }, ["User"]), true);
  assert.equal(m({ CommandLine: "nc -e sh" }, ["Image"]), null);
});

Deno.test("CompiledRule.match() answers in three values with unknown fields (or, not)", () => {
  const or = matcher(TWO + "    condition: sel_img or sel_cli");
  assert.equal(or({ Image: "/bin/nc" }, ["CommandLine"]), true, "true or unknown is true");
  assert.equal(or({ Image: "/bin/ls" }, ["CommandLine"]), null);
  const not = matcher(TWO + "    condition: sel_img and not sel_cli");
  assert.equal(not({ Image: "/bin/nc" }, ["CommandLine"]), null, "not unknown is unknown");
  assert.equal(not({ Image: "/bin/nc", CommandLine: "nc -l" }), true);
});

Deno.test("CompiledRule.match() is unknown for exists, null and keywords on unknown fields", () => {
  assert.equal(matcher(sel("User|exists: true"))({}, ["User"]), null);
  assert.equal(matcher(sel("User: null"))({}, ["User"]), null);
  const kw = matcher(`
    keywords: ['nc -e']
    condition: keywords
  `);
  assert.equal(kw({ CommandLine: "x" }, ["ParentCommandLine"]), null);
  assert.equal(kw({ CommandLine: "nc -e sh" }, ["ParentCommandLine"]), true);
  assert.equal(kw({ CommandLine: "x" }, ["NotInCatalog"]), false);
});

Deno.test("CompiledRule.fields lists the fields a rule reads", () => {
  assert.deepStrictEqual(
    [...ruleOf(TWO + "    condition: sel_img and not sel_cli").fields].sort(),
    ["CommandLine", "Image"],
  );
  assert.deepStrictEqual(
    [...ruleOf(sel("CommandLine|fieldref: ParentCommandLine")).fields].sort(),
    ["CommandLine", "ParentCommandLine"],
  );
});

Deno.test("stringMatcher() agrees with a reference glob on random patterns", () => {
  // reference: dynamic programming over code points
  const ref = (pattern: string, text: string): boolean => {
    const p = [...pattern];
    const t = [...text];
    const dp = Array.from({ length: p.length + 1 }, () => new Array(t.length + 1).fill(false));
    dp[0][0] = true;
    for (let i = 1; i <= p.length; i++) {
      dp[i][0] = dp[i - 1][0] && p[i - 1] === "*";
      for (let j = 1; j <= t.length; j++) {
        dp[i][j] = p[i - 1] === "*"
          ? dp[i - 1][j] || dp[i][j - 1]
          : (p[i - 1] === "?" || p[i - 1] === t[j - 1]) && dp[i - 1][j - 1];
      }
    }
    return dp[p.length][t.length];
  };
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const alphabet = ["a", "b", ".", "/", "(", "\n"];
  for (let k = 0; k < 3000; k++) {
    const pattern = Array.from({ length: rnd(6) }, () => [...alphabet, "*", "?"][rnd(8)]).join("");
    const text = Array.from({ length: rnd(7) }, () => alphabet[rnd(6)]).join("");
    const f = stringMatcher(parseSigmaString(pattern), true);
    assert.equal(f(text), ref(pattern, text), `${JSON.stringify(pattern)} ${JSON.stringify(text)}`);
  }
});
