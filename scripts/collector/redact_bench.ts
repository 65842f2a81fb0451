// Micro-benchmark of Redactor.plan(), the per-exec hot path (no figures are
// committed): deno bench scripts/collector/redact_bench.ts
import { MAX_CUTS } from "./argv_redactor.ts";
import { Redactor } from "./redact.ts";

const te = new TextEncoder();
const r = new Redactor({ siteKey: te.encode("bench site key, 32 bytes long..") });
const cuts = new Int32Array(3 * MAX_CUTS);

for (
  const argv of [
    ["/usr/bin/ls", "-la", "/tmp"],
    ["/usr/bin/git", "status", "--porcelain", "--untracked-files=no"],
    ["/usr/bin/mysql", "-phunter2", "db"],
    ["/bin/sh", "-c", "ls /tmp | wc -l"],
  ]
) {
  const u8 = te.encode(argv.join("\0") + "\0");
  Deno.bench(`Redactor.plan() ${argv.join(" ")}`, () => {
    r.plan(u8, 0, u8.length, 64, cuts);
  });
}
