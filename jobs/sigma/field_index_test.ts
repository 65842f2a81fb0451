import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { sharedPath } from "../../tests/support/shared_data.ts";
import { readTreeSync } from "../param_files.ts";
import { RULE_EXTENSIONS } from "../sigma.ts";
import { compileRuleSet, type IndexedRuleSet } from "./rule_set.ts";
import { PROCESS_CREATION_FIELDS, ruleYaml } from "./testing.ts";
import type { RuleFile, RuleSetMatch, SigmaEvent, SigmaValue } from "./types.ts";

const FIELDS: readonly string[] = PROCESS_CREATION_FIELDS;

/** A deterministic pseudo-random source. */
function rng(seed: number) {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  return { next, pick: <T>(a: readonly T[]): T => a[next(a.length)] };
}

/** Every string (and number) in the rules' detections: the crafted events' material. */
function literals(files: readonly RuleFile[]): string[] {
  const out = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === "string") out.add(x.replace(/\\(?=[*?\\])/g, "").replace(/[*?]/g, ""));
    else if (typeof x === "number") out.add(String(x));
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object") Object.values(x).forEach(walk);
  };
  for (const f of files) {
    const d = parse(f.text);
    if (d?.detection) walk(d.detection);
  }
  out.delete("");
  return [...out];
}

const PREFIXES = ["", "/usr/bin", "/bin", "/tmp/x", "sh -c '", " ", "/", "-"];
const SUFFIXES = ["", " ", "'", "2", "/", " -x", ".sh", " /tmp/a"];

function recase(r: ReturnType<typeof rng>, s: string): string {
  const k = r.next(4);
  return k === 0 ? s.toUpperCase() : k === 1 ? s.toLowerCase() : s;
}

function craftedValue(r: ReturnType<typeof rng>, lits: readonly string[]): SigmaValue | undefined {
  switch (r.next(13)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return r.next(70000);
    case 3:
      return "";
    case 4: {
      const n = 1 + r.next(40);
      return Array.from({ length: n }, () => String.fromCharCode(32 + r.next(95))).join("");
    }
    case 5: // two literals glued
      return recase(r, r.pick(lits) + r.pick(SUFFIXES) + r.pick(lits));
    case 6: // a literal as it is
      return r.pick(lits);
    case 7: { // a literal's end: a near miss of its start
      const l = r.pick(lits);
      return r.pick(PREFIXES) + l.slice(r.next(l.length + 1));
    }
    case 8: { // a literal's start
      const l = r.pick(lits);
      return l.slice(0, r.next(l.length + 1)) + r.pick(SUFFIXES);
    }
    default:
      return recase(r, r.pick(PREFIXES) + r.pick(lits) + r.pick(SUFFIXES));
  }
}

function bruteForce(
  rs: IndexedRuleSet,
  category: string,
  ev: SigmaEvent,
  unknown?: ReadonlySet<string>,
): RuleSetMatch {
  const out: RuleSetMatch = { matched: [], undecided: [] };
  rs.rules.forEach((rule, i) => {
    if (rule.category !== category) return;
    const a = rule.match(ev, unknown);
    if (a === true) out.matched.push(i);
    else if (a === null) out.undecided.push(i);
  });
  return out;
}

function check(
  rs: IndexedRuleSet,
  category: string,
  fields: readonly string[],
  lits: string[],
  events: number,
) {
  const r = rng(20261127);
  let matched = 0;
  let undecided = 0;
  for (let k = 0; k < events; k++) {
    const ev: Record<string, SigmaValue | undefined> = {};
    for (const f of fields) {
      const v = craftedValue(r, lits);
      if (v !== undefined || r.next(2) === 0) ev[f] = v;
    }
    const unknown = r.next(3) === 0 ? new Set(fields.filter(() => r.next(4) === 0)) : undefined;
    const want = bruteForce(rs, category, ev, unknown);
    const got = rs.match(category, ev, unknown);
    assert.deepStrictEqual(got, want, JSON.stringify({ ev, unknown: unknown && [...unknown] }));
    matched += want.matched.length;
    undecided += want.undecided.length;
  }
  return { matched, undecided };
}

Deno.test("RuleSet.match() (indexed) equals brute force over SigmaHQ process_creation", () => {
  const files = readTreeSync(
    "sigma",
    "rules",
    [sharedPath("sigma/rules-linux/process_creation")],
    RULE_EXTENSIONS,
  );
  const rs = compileRuleSet(files, { process_creation: FIELDS });
  assert.equal(rs.rules.length, 122);
  const { matched, undecided } = check(rs, "process_creation", FIELDS, literals(files), 6000);
  // the events hit rules for real (the comparison is not between empty answers)
  assert.ok(matched > 300, `matched ${matched}`);
  assert.ok(undecided > 300, `undecided ${undecided}`);
});

Deno.test("RuleSet.match() (indexed) equals brute force over every SigmaHQ Linux rule", () => {
  // every rule under one category, with every field its detection names (keywords included)
  const files = readTreeSync("sigma", "rules", [sharedPath("sigma/rules-linux")], RULE_EXTENSIONS);
  const fields = new Set<string>();
  const moved = files.map((f) => {
    const d = parse(f.text);
    d.logsource = { product: "linux", category: "all" };
    for (const [k, v] of Object.entries(d.detection as Record<string, unknown>)) {
      if (k === "condition") continue;
      for (const item of Array.isArray(v) ? v : [v]) {
        if (item !== null && typeof item === "object") {
          for (const key of Object.keys(item)) {
            if (key.split("|")[0] !== "") fields.add(key.split("|")[0]);
          }
        }
      }
    }
    return { file: f.file, text: stringify(d) };
  });
  const catalog = { all: [...fields] };
  const rs = compileRuleSet(moved, catalog);
  assert.equal(rs.rules.length, files.length, "every rule evaluated under the one category");
  const { matched } = check(rs, "all", catalog.all, literals(files), 1000);
  assert.ok(matched > 100, `matched ${matched}`);
});

Deno.test("RuleSet.candidates() stays small as rules sharing Image|endswith grow", () => {
  for (const n of [10, 100, 2000]) {
    const files = Array.from({ length: n }, (_, i) => ({
      file: `r${i}.yml`,
      text: ruleYaml(
        `
        sel_img:
            Image|endswith: ['/tool${i}', '/alt${i}']
        sel_cli:
            CommandLine|contains: ' -x '
        condition: all of sel_*
        `,
        { id: `r-${i}` },
      ),
    }));
    const rs = compileRuleSet(files, { process_creation: FIELDS });
    assert.equal(rs.indexStats().process_creation.unindexed, 0);
    const ev = { Image: "/usr/bin/tool7", CommandLine: "tool7 -x y" };
    const c = rs.candidates("process_creation", ev);
    // tool7 (and tool70.. are not suffixes of it): exactly one candidate at every size
    assert.deepStrictEqual(c.map((i) => rs.rules[i].info.rule_id), ["r-7"]);
    assert.deepStrictEqual(rs.match("process_creation", ev).matched, c);
    // an unknown Image makes them all candidates (and all undecided but for CommandLine)
    assert.equal(rs.candidates("process_creation", ev, new Set(["Image"])).length, n);
  }
});

Deno.test("RuleSet.candidates() picks a small share of SigmaHQ rules for common execs", () => {
  const files = readTreeSync(
    "sigma",
    "rules",
    [sharedPath("sigma/rules-linux/process_creation")],
    RULE_EXTENSIONS,
  );
  const rs = compileRuleSet(files, { process_creation: FIELDS });
  const stats = rs.indexStats().process_creation;
  assert.ok(stats.unindexed <= 5, `${stats.unindexed} rules without a prefilter`);
  const common: SigmaEvent[] = [
    { Image: "/usr/bin/ls", CommandLine: "ls -la /home/u", ParentImage: "/usr/bin/bash" },
    { Image: "/usr/bin/git", CommandLine: "git status", CurrentDirectory: "/home/u/src" },
    {
      Image: "/usr/lib/systemd/systemd-journald",
      CommandLine: "/usr/lib/systemd/systemd-journald",
    },
  ];
  for (const ev of common) {
    const c = rs.candidates("process_creation", ev);
    assert.ok(c.length <= 0.2 * rs.rules.length, `${c.length} candidates for ${ev.Image}`);
  }
});

Deno.test("RuleSet.match() (indexed) equals brute force over dense random rules", () => {
  // a tiny alphabet, so that exact texts, prefixes, suffixes and substrings collide often
  const r = rng(42);
  const word = (n: number, chars: string) =>
    Array.from({ length: n }, () => chars[r.next(chars.length)]).join("");
  const fields = ["Image", "CommandLine", "User"];
  const mods = ["", "|contains", "|startswith", "|endswith", "|cased", "|contains|cased"];
  const item = (not?: string) => {
    let key: string;
    do key = `${r.pick(fields)}${r.pick(mods)}${r.next(4) === 0 ? "|all" : ""}`; while (
      key === not
    );
    const values = Array.from({ length: 1 + r.next(3) }, () => `'${word(1 + r.next(5), "ab/*?")}'`);
    return `${key}: [${values.join(", ")}]`;
  };
  const files = Array.from({ length: 400 }, (_, i) => {
    const first = item();
    return {
      file: `r${i}.yml`,
      text: ruleYaml(
        `
      s1:
          ${first}
          ${r.next(2) === 0 ? item(first.slice(0, first.indexOf(":"))) : ""}
      s2:
          ${item()}
      s3:
          - ${item()}
          - ${item()}
      condition: ${r.pick(["s1", "s1 or s2", "s1 and s2", "1 of s*", "s3", "s1 and not s2"])}
      `,
        { id: `r-${String(i).padStart(3, "0")}` },
      ),
    };
  });
  const rs = compileRuleSet(files, { process_creation: fields });
  assert.equal(rs.rules.length, files.length, rs.inventory.find((i) => !i.evaluated)?.reason ?? "");
  let matched = 0;
  for (let k = 0; k < 4000; k++) {
    const ev: Record<string, string> = {};
    for (const f of fields) if (r.next(5) !== 0) ev[f] = word(r.next(9), "abAB/");
    const unknown = r.next(4) === 0 ? new Set([r.pick(fields)]) : undefined;
    const want = bruteForce(rs, "process_creation", ev, unknown);
    assert.deepStrictEqual(rs.match("process_creation", ev, unknown), want, JSON.stringify(ev));
    matched += want.matched.length;
  }
  assert.ok(matched > 4000, `matched ${matched}`);
});
