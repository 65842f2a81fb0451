import assert from "node:assert/strict";
import { sharedPath } from "../../tests/support/shared_data.ts";
import { readTreeSync } from "../param_files.ts";
import { RULE_EXTENSIONS } from "../sigma.ts";
import { compileRuleSet } from "./rule_set.ts";
import { CATALOG, PROCESS_CREATION_FIELDS, ruleYaml } from "./testing.ts";
import type { RuleFile } from "./types.ts";

const SEL = `
    selection:
        Image|endswith: '/nc'
    condition: selection
`;

const reasonOf = (text: string) => compileRuleSet([{ file: "r.yml", text }], CATALOG).inventory[0];

Deno.test("compileRuleSet() gives every bad rule a one-line reason", () => {
  const cases: [string, string][] = [
    [ruleYaml(SEL, { product: "windows" }), `logsource product "windows" is not linux`],
    [ruleYaml(SEL, { category: "file_access" }), `category "file_access" has no data`],
    [ruleYaml(SEL).replace("    category: process_creation\n", ""), "logsource has no category"],
    [
      ruleYaml(SEL).replace("    category: process_creation\n", "    service: auditd\n"),
      `logsource service "auditd" (no category) has no data`,
    ],
    [
      ruleYaml(SEL).replace("    product: linux\n", "    product: linux\n    service: sysmon\n"),
      `logsource service "sysmon" has no data`,
    ],
    [
      ruleYaml(SEL).replace("    product: linux\n", ""),
      "logsource has no product (only linux is evaluated)",
    ],
    [
      ruleYaml(SEL.replace("Image|endswith", "Hashes|contains")),
      `field "Hashes" not in process_creation`,
    ],
    [ruleYaml(SEL).replace("title: Test rule\n", ""), "title missing"],
    [ruleYaml(SEL).replace(/logsource:\n( {4}.*\n)+/, ""), "logsource missing"],
    [ruleYaml(SEL).replace("status: test", "status: unsupported"), `status "unsupported"`],
    [ruleYaml(SEL).replace("    condition: selection\n", ""), "condition missing"],
    [
      ruleYaml(SEL + "    timeframe: 5m\n"),
      "timeframe not supported (a correlation rule's)",
    ],
    [
      ruleYaml(`
        selection:
            Image:
                endswith: /nc
        condition: selection
      `),
      `detection "selection": the value of "Image" is a map`,
    ],
    [
      ruleYaml(`
        selection:
            Image:
                - endswith: /nc
        condition: selection
      `),
      `detection "selection": the values of "Image" must be plain values`,
    ],
    [
      "title: c\nid: 1\ncorrelation:\n    type: event_count\n    rules: [a]\n",
      "correlation rule",
    ],
    ["# nothing but a comment\n", "empty file"],
    ["- just\n- a list\n", "a document is not a YAML map"],
  ];
  for (const [text, reason] of cases) {
    const info = reasonOf(text);
    assert.equal(info.evaluated, false, reason);
    assert.equal(info.reason, reason);
  }
});

Deno.test("compileRuleSet() reports YAML errors with the parser's first line", () => {
  const broken = "title: Broken\nid: 11111111-2222-4333-8444-555555555555\ndetection: [unclosed\n";
  const info = reasonOf(broken);
  assert.equal(info.evaluated, false);
  assert.match(info.reason!, /^YAML: /);
  assert.ok(!info.reason!.includes("\n"));
  assert.equal(info.rule_id, "11111111-2222-4333-8444-555555555555", "the id read from the text");
  assert.equal(info.title, "Broken");
  const dup = reasonOf(ruleYaml(SEL).replace("level: high", "level: high\nlevel: low"));
  assert.match(dup.reason!, /^YAML: Map keys must be unique/);
});

Deno.test("compileRuleSet() keeps the metadata of every entry", () => {
  const text = ruleYaml(SEL).replace("author: Tester", "author: A, B\ntags:\n    - attack.t1059");
  const rs = compileRuleSet([{ file: "sub/x.yml", text }], CATALOG);
  assert.deepStrictEqual(rs.inventory[0], {
    rule_id: "00000000-0000-4000-8000-000000000001",
    title: "Test rule",
    status: "test",
    level: "high",
    tags: ["attack.t1059"],
    author: "A, B",
    file: "sub/x.yml",
    category: "process_creation",
    evaluated: true,
    reason: null,
  });
  assert.equal(rs.rules[0].info, rs.inventory[0]);
  assert.equal(rs.rules[0].category, "process_creation");
  const noId = compileRuleSet([{ file: "n.yml", text: text.replace(/^id: .*\n/m, "") }], CATALOG);
  assert.equal(noId.inventory[0].rule_id, "file:n.yml");
});

Deno.test("compileRuleSet() evaluates a repeated id once and says where it was", () => {
  const files: RuleFile[] = [
    { file: "a.yml", text: ruleYaml(SEL) },
    { file: "b.yml", text: ruleYaml(SEL) },
  ];
  const rs = compileRuleSet(files, CATALOG);
  assert.equal(rs.rules.length, 1);
  assert.equal(rs.rules[0].info.file, "a.yml");
  const b = rs.inventory.find((i) => i.file === "b.yml")!;
  assert.equal(b.reason, "duplicate id (also in a.yml)");
});

Deno.test("compileRuleSet() sorts rules and inventory by rule id", () => {
  const ids = ["c", "a", "b"];
  const rs = compileRuleSet(
    ids.map((id) => ({ file: `${id}.yml`, text: ruleYaml(SEL, { id }) })),
    CATALOG,
  );
  assert.deepStrictEqual(rs.rules.map((r) => r.info.rule_id), ["a", "b", "c"]);
  assert.deepStrictEqual(rs.inventory.map((r) => r.rule_id), ["a", "b", "c"]);
  const m = rs.match("process_creation", { Image: "/usr/bin/nc" });
  assert.deepStrictEqual(m, { matched: [0, 1, 2], undecided: [] });
  assert.deepStrictEqual(rs.match("file_event", { Image: "/usr/bin/nc" }), {
    matched: [],
    undecided: [],
  });
});

Deno.test("compileRuleSet() merges action: global into each later document", () => {
  const text = `action: global
title: Multi
status: test
logsource:
    category: process_creation
    product: linux
detection:
    condition: selection
---
id: m-1
detection:
    selection:
        Image|endswith: /nc
---
id: m-2
detection:
    selection:
        Image|endswith: /ncat
`;
  const rs = compileRuleSet([{ file: "multi.yml", text }], CATALOG);
  assert.deepStrictEqual(rs.inventory.map((i) => [i.rule_id, i.title, i.evaluated]), [
    ["m-1", "Multi", true],
    ["m-2", "Multi", true],
  ]);
  assert.deepStrictEqual(rs.match("process_creation", { Image: "/bin/ncat" }).matched, [1]);
});

Deno.test("compileRuleSet() applies a global filter to the rules it names", () => {
  const filter = `title: No admins
id: f-1
logsource:
    category: process_creation
    product: linux
filter:
    rules:
        - r-1
    selection:
        User|startswith: 'adm_'
    condition: not selection
`;
  const files: RuleFile[] = [
    { file: "r1.yml", text: ruleYaml(SEL, { id: "r-1" }) },
    { file: "r2.yml", text: ruleYaml(SEL, { id: "r-2" }) },
    { file: "f.yml", text: filter },
  ];
  const rs = compileRuleSet(files, CATALOG);
  assert.deepStrictEqual(rs.rules.map((r) => r.info.rule_id), ["r-1", "r-2"]);
  const admin = { Image: "/bin/nc", User: "adm_bob" };
  assert.deepStrictEqual(rs.match("process_creation", admin).matched, [1]);
  assert.deepStrictEqual(rs.match("process_creation", { ...admin, User: "bob" }).matched, [0, 1]);
  const f = rs.inventory.find((i) => i.rule_id === "f-1")!;
  assert.equal(f.evaluated, false);
  assert.equal(f.reason, "filter applied to 1 rule");
  const any = filter.replace("    rules:\n        - r-1\n", "    rules: any\n");
  const rs2 = compileRuleSet([...files.slice(0, 2), { file: "f.yml", text: any }], CATALOG);
  assert.deepStrictEqual(rs2.match("process_creation", admin).matched, []);
  const badField = filter.replace("User|startswith", "Hashes|startswith");
  const rs3 = compileRuleSet([...files.slice(0, 2), { file: "f.yml", text: badField }], CATALOG);
  assert.equal(
    rs3.inventory.find((i) => i.rule_id === "f-1")!.reason,
    `filter: field "Hashes" not in process_creation`,
  );
  assert.deepStrictEqual(rs3.match("process_creation", admin).matched, [0, 1], "not applied");
});

Deno.test("compileRuleSet() never throws on damaged rule files", () => {
  const files = readTreeSync("sigma", "rules", [sharedPath("sigma/rules-linux")], RULE_EXTENSIONS);
  let seed = 12345;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const damaged: RuleFile[] = [];
  for (let k = 0; k < 400; k++) {
    const f = files[rnd(files.length)];
    let t = f.text;
    for (let c = 0; c < 1 + rnd(4); c++) {
      const at = rnd(t.length);
      const what = rnd(4);
      const junk = ["*", "\\", "|", ":", "'", "\n  ", "[", "|re", "null", "\udc80"][rnd(10)];
      t = what === 0
        ? t.slice(0, at) + t.slice(at + 1 + rnd(20))
        : what === 1
        ? t.slice(0, at) + junk + t.slice(at)
        : what === 2
        ? t.slice(0, at)
        : t.replace(/\|(contains|endswith)/, `|${junk}`);
    }
    damaged.push({ file: `d${k}.yml`, text: t });
  }
  const rs = compileRuleSet(damaged, CATALOG);
  assert.equal(new Set(rs.inventory.map((i) => i.file)).size, damaged.length);
  for (const i of rs.inventory) {
    assert.equal(i.evaluated, i.reason === null);
    if (i.reason !== null) assert.ok(!i.reason.includes("\n") && i.reason !== "", i.reason);
  }
  for (const r of rs.rules) r.match({ Image: "/bin/sh", CommandLine: "sh -c x" });
});

Deno.test("compileRuleSet() evaluates >= 95% of SigmaHQ's Linux process_creation rules", () => {
  const files = readTreeSync("sigma", "rules", [sharedPath("sigma/rules-linux")], RULE_EXTENSIONS);
  const rs = compileRuleSet(files, { process_creation: PROCESS_CREATION_FIELDS });
  assert.equal(rs.inventory.length, files.length, "one entry per file (one rule each)");
  const pc = rs.inventory.filter((i) => i.file.startsWith("process_creation/"));
  const evaluated = pc.filter((i) => i.evaluated);
  assert.equal(pc.length, 122);
  assert.ok(evaluated.length >= Math.ceil(0.95 * pc.length), `${evaluated.length} of ${pc.length}`);
  assert.equal(rs.rules.length, rs.inventory.filter((i) => i.evaluated).length);
  for (const i of rs.inventory) {
    if (i.evaluated) continue;
    const folder = i.file.split("/")[0];
    const expected = folder === "auditd"
      ? `logsource service "auditd" (no category) has no data`
      : folder === "builtin"
      ? /^logsource (has no category|service "[a-z]+" \(no category\) has no data)$/
      : `category "${folder}" has no data`;
    if (typeof expected === "string") assert.equal(i.reason, expected, i.file);
    else assert.match(i.reason!, expected, i.file);
  }
});
