import assert from "node:assert/strict";
import { type Cond, parseCondition, selectIdentifiers } from "./condition.ts";
import { RuleError } from "./expr.ts";
import { infoOf, matcher } from "./testing.ts";

/** A condition tree as text with explicit parentheses. */
function show(c: Cond): string {
  switch (c.k) {
    case "id":
      return c.name;
    case "of":
      return `(${c.all ? "all" : "1"} of ${c.pattern})`;
    case "not":
      return `(not ${show(c.arg)})`;
    case "and":
    case "or":
      return `(${c.args.map(show).join(` ${c.k} `)})`;
  }
}

Deno.test("parseCondition() binds not, then and, then or", () => {
  assert.equal(show(parseCondition("a or b and c")), "(a or (b and c))");
  assert.equal(show(parseCondition("a and b or c")), "((a and b) or c)");
  assert.equal(show(parseCondition("not a and b")), "((not a) and b)");
  assert.equal(show(parseCondition("not not a")), "(not (not a))");
  assert.equal(show(parseCondition("a and not 1 of f* or c")), "((a and (not (1 of f*))) or c)");
});

Deno.test("parseCondition() lets parentheses override precedence", () => {
  assert.equal(show(parseCondition("(a or b) and c")), "((a or b) and c)");
  assert.equal(show(parseCondition("not (a or b)")), "(not (a or b))");
  assert.equal(
    show(parseCondition("selection_execve and (keywords_truncate or (keywords_dd and not f))")),
    "(selection_execve and (keywords_truncate or (keywords_dd and (not f))))",
  );
});

Deno.test("parseCondition() reads 1 of / any of / all of with patterns and them", () => {
  assert.equal(show(parseCondition("1 of selection_*")), "(1 of selection_*)");
  assert.equal(show(parseCondition("any of sel*")), "(1 of sel*)");
  assert.equal(show(parseCondition("all of them")), "(all of them)");
});

Deno.test("parseCondition() names the problem of a bad condition", () => {
  const bad = (t: string, msg: string) =>
    assert.throws(() => parseCondition(t), (e) => e instanceof RuleError && e.message === msg);
  bad("selection | count() > 5", `condition: aggregation ("|") not supported`);
  bad("a and", `condition: expected a search identifier at the end of "a and"`);
  bad("(a or b", `condition: expected ")" at the end of "(a or b"`);
  bad("a b", `condition: expected the end, found "b" in "a b"`);
  bad(
    "sel*",
    `condition: expected a search identifier (a pattern needs "1 of" or "all of"), found "sel*" in "sel*"`,
  );
  bad("1 of", `condition: expected a pattern or "them" after "1 of" at the end of "1 of"`);
});

Deno.test("selectIdentifiers() matches whole names and leaves out _names", () => {
  const names = ["selection_a", "selection_b", "selectionc", "filter", "_hidden", "x_selection_d"];
  assert.deepStrictEqual(selectIdentifiers("selection_*", names), ["selection_a", "selection_b"]);
  assert.deepStrictEqual(selectIdentifiers("*selection*", names), [
    "selection_a",
    "selection_b",
    "selectionc",
    "x_selection_d",
  ]);
  assert.deepStrictEqual(selectIdentifiers("them", names), names.filter((n) => n !== "_hidden"));
  assert.deepStrictEqual(selectIdentifiers("_*", names), ["_hidden"]);
  assert.deepStrictEqual(selectIdentifiers("filter", names), ["filter"]);
});

const DET = `
    sel_a:
        Image|endswith: '/a'
    sel_b:
        CommandLine|contains: 'bee'
    filter_x:
        User: root
    _aux:
        CurrentDirectory: /tmp
`;

Deno.test("CompiledRule.match() evaluates 1 of x*, all of x* and them", () => {
  const one = matcher(DET + "    condition: 1 of sel_*");
  const all = matcher(DET + "    condition: all of sel_*");
  const allThem = matcher(DET + "    condition: all of them");
  const oneThem = matcher(DET + "    condition: 1 of them");
  const a = { Image: "/bin/a" };
  const ab = { Image: "/bin/a", CommandLine: "x bee" };
  const abr = { ...ab, User: "root" };
  assert.equal(one(a), true);
  assert.equal(one({ CommandLine: "bee" }), true);
  assert.equal(one({ User: "root" }), false);
  assert.equal(all(a), false);
  assert.equal(all(ab), true);
  assert.equal(allThem(ab), false);
  assert.equal(allThem(abr), true, "them leaves _aux out");
  assert.equal(oneThem({ User: "root" }), true);
  assert.equal(oneThem({ CurrentDirectory: "/tmp" }), false, "_aux is not in them");
});

Deno.test("CompiledRule.match() evaluates not and parentheses", () => {
  const m = matcher(DET + "    condition: (sel_a or sel_b) and not filter_x");
  assert.equal(m({ Image: "/a" }), true);
  assert.equal(m({ CommandLine: "bee", User: "root" }), false);
  const p = matcher(DET + "    condition: sel_a or sel_b and filter_x");
  assert.equal(p({ Image: "/a" }), true, "and binds tighter than or");
  assert.equal(p({ CommandLine: "bee" }), false);
  const n = matcher(DET + "    condition: not sel_a and not sel_b");
  assert.equal(n({}), true);
  assert.equal(n({ Image: "/a" }), false);
});

Deno.test("CompiledRule.match() or-links a list of conditions", () => {
  const m = matcher(DET + "    condition:\n        - sel_a\n        - filter_x");
  assert.equal(m({ User: "root" }), true);
  assert.equal(m({ Image: "/a" }), true);
  assert.equal(m({ CommandLine: "bee" }), false);
});

Deno.test("CompiledRule.match() drops a pattern that selects nothing, as pySigma does", () => {
  const m = matcher(DET + "    condition: sel_a and not 1 of none_*");
  assert.equal(m({ Image: "/a" }), true);
  assert.equal(
    infoOf(DET + "    condition: 1 of none_*").reason,
    `condition "1 of none_*" selects no search identifier`,
  );
});

Deno.test("CompiledRule.match() gives a reason for an undefined identifier", () => {
  assert.equal(
    infoOf(DET + "    condition: sel_a and missing").reason,
    `condition: search identifier "missing" not defined`,
  );
});
