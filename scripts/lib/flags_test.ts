import assert from "node:assert/strict";
import { parseFlags } from "./flags.ts";

const spec = { string: ["log", "n"], boolean: ["check", "help"], alias: { h: "help" } } as const;

Deno.test("parseFlags() reads values, =values, booleans, aliases and positionals", () => {
  assert.deepEqual(
    parseFlags(["--log", "a b", "--n=3", "--check", "-h", "x", "--", "--log"], spec),
    {
      values: { log: "a b", n: "3", check: true, help: true },
      positionals: ["x", "--log"],
    },
  );
});

Deno.test("parseFlags() names the bad option", () => {
  assert.throws(() => parseFlags(["--nope"], spec), /Unknown option '--nope'/);
  assert.throws(() => parseFlags(["--log"], spec), /Option '--log' needs a value/);
  assert.throws(() => parseFlags(["--check=1"], spec), /takes no value/);
});
