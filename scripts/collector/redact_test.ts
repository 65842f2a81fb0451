import assert from "node:assert/strict";
import { Redactor } from "./redact.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Applies the redactor to an argv the way the encoder does. */
function apply(argv: string[], keys?: string[]): string[] {
  const r = new Redactor(keys);
  r.reset();
  return argv.map((a) => {
    const b = te.encode(a);
    if (!r.plan(b, 0, b.length)) return a;
    return td.decode(b.subarray(0, r.cutStart)) + "<redacted>" + td.decode(b.subarray(r.cutEnd));
  });
}

Deno.test("Redactor.plan() hides values of secret keys in any case", () => {
  assert.deepEqual(
    apply([
      "mysql",
      "--password=hunter2",
      "PGPASSWORD=x",
      "AWS_SECRET_ACCESS_KEY=abc",
      "--user=bob",
    ]),
    [
      "mysql",
      "--password=<redacted>",
      "PGPASSWORD=<redacted>",
      "AWS_SECRET_ACCESS_KEY=<redacted>",
      "--user=bob",
    ],
  );
});

Deno.test("Redactor.plan() hides the element after a secret flag", () => {
  assert.deepEqual(apply(["cli", "--api-token", "abc123", "--name", "n"]), [
    "cli",
    "--api-token",
    "<redacted>",
    "--name",
    "n",
  ]);
  // the flag's effect does not leak into the next argv
  assert.deepEqual(apply(["cli", "--token"]), ["cli", "--token"]);
});

Deno.test("Redactor.plan() hides the password of URL credentials only", () => {
  assert.deepEqual(
    apply(["curl", "https://bob:s3cret@example.com/x?a=b", "http://example.com/a:b@c"]),
    [
      "curl",
      "https://bob:<redacted>@example.com/x?a=b",
      "http://example.com/a:b@c",
    ],
  );
});

Deno.test("Redactor.plan() leaves ordinary argv alone and honours custom keys", () => {
  const argv = ["ls", "-la", "a=b", "--tokenizer-free", "x", "=", ""];
  assert.deepEqual(
    apply(argv.filter((a) => !a.startsWith("--token"))),
    argv.filter((a) => !a.startsWith("--token")),
  );
  assert.deepEqual(apply(["app", "pin=1234", "password=x"], ["pin"]), [
    "app",
    "pin=<redacted>",
    "password=x",
  ]);
});
