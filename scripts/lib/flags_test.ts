import assert from "node:assert/strict";
import { parseFlags } from "./flags.ts";

const spec = { string: ["log", "n"], boolean: ["check", "help"], alias: { h: "help" } } as const;

Deno.test("parseFlags() reads values, =values, booleans, aliases and positionals", () => {
  assert.deepEqual(
    parseFlags(["--log", "a b", "--n=3", "--check", "-h", "x", "--", "--log"], spec),
    {
      values: { log: "a b", n: "3", check: true, help: true },
      repeated: {},
      positionals: ["x", "--log"],
    },
  );
});

Deno.test("parseFlags() names the bad option", () => {
  assert.throws(() => parseFlags(["--nope"], spec), /Unknown option '--nope'/);
  assert.throws(() => parseFlags(["--log"], spec), /Option '--log' needs a value/);
  assert.throws(() => parseFlags(["--check=1"], spec), /takes no value/);
});

Deno.test("parseFlags() keeps every value of a repeatable option", () => {
  const p = parseFlags(["--param", "a=1", "--param=b=2", "--x", "y"], {
    string: ["param", "x"],
    repeat: ["param"],
  });
  assert.deepStrictEqual(p.repeated.param, ["a=1", "b=2"]);
  assert.equal(p.values.param, "b=2");
  assert.equal(p.values.x, "y");
});
