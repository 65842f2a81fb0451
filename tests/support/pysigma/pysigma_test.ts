import assert from "node:assert/strict";
import { pysigmaConvert, pysigmaRun } from "./pysigma.ts";

/** rule name -> its selection (pySigma wants UUID ids: `uuid(name)`) */
const RULES: Record<string, string> = {
  eq: "Image: '/usr/bin/Curl'",
  re: "CommandLine|re: '\\s-D\\s'",
  not: "Image|endswith: '/x'\n    filter:\n        ParentImage|startswith: '/opt/'",
  dot: "CommandLine|re: '^a.b$'",
  wild: "CommandLine: 'a*c?e'",
};
const NAMES = Object.keys(RULES);
const uuid = (name: string) =>
  `00000000-0000-4000-8000-${String(NAMES.indexOf(name)).padStart(12, "0")}`;

async function convertSample() {
  const dir = await Deno.makeTempDir({ prefix: "pysigma-rules-" });
  try {
    for (const [name, sel] of Object.entries(RULES)) {
      const cond = name === "not" ? "selection and not filter" : "selection";
      await Deno.writeTextFile(
        `${dir}/${name}.yml`,
        `title: ${name}\nid: ${uuid(name)}\nlogsource:\n    product: linux\n` +
          `    category: process_creation\ndetection:\n    selection:\n        ${sel}\n` +
          `    condition: ${cond}\n`,
      );
    }
    return await pysigmaConvert([dir]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pysigmaRun() answers with Sigma semantics over the sqlite backend's SQL", async () => {
  const rules = await convertSample();
  assert.deepEqual(Object.keys(rules).sort(), NAMES.map(uuid).sort());
  for (const r of Object.values(rules)) assert.ok(r.sql, r.error);
  const rows = await pysigmaRun(rules, [
    { exec_id: "eq-case", Image: "/USR/BIN/CURL" }, // "=" case-insensitive
    { exec_id: "re-upper", CommandLine: "x -D y" },
    { exec_id: "re-lower", CommandLine: "x -d y" }, // |re case-sensitive
    { exec_id: "re-nbsp", CommandLine: "x\u00a0-D\u00a0y" }, // \s is ASCII (PCRE)
    { exec_id: "not-absent", Image: "/bin/x" }, // not filter on an absent field: true
    { exec_id: "not-hit", Image: "/bin/x", ParentImage: "/opt/p" },
    { exec_id: "dot-raw", CommandLine: "a\udcffb" }, // a raw byte is one char
    { exec_id: "wild", CommandLine: "A_bbCxE" },
    { exec_id: "wild-miss", CommandLine: "abbce" },
  ]);
  const name = (id: string) => NAMES.find((n) => uuid(n) === id);
  const got = rows.map((r) => `${name(r.rule_id)} ${r.exec_id}`).sort();
  assert.deepEqual(got, [
    "dot dot-raw",
    "eq eq-case",
    "not not-absent",
    "re re-upper",
    "wild wild",
  ]);
});

Deno.test("pysigmaConvert() reports a rule it cannot convert with its error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pysigma-rules-" });
  try {
    await Deno.writeTextFile(`${dir}/bad.yml`, "title: bad\ndetection:\n    condition: nope\n");
    await Deno.writeTextFile(`${dir}/yaml.yml`, "title: [unclosed\n");
    const rules = await pysigmaConvert([dir]);
    for (const id of ["file:bad.yml", "file:yaml.yml"]) {
      assert.ok(rules[id]?.error, JSON.stringify(rules));
      assert.equal(rules[id].sql, undefined);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
