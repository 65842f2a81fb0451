/**
 * `deno task verify [--keys DIR]... [--private-key PEM] FILE...`: checks the
 * keyed hash chain over consecutive log files of one host (oldest first,
 * gzip too). Prints one line per break, `FILE:LINE: kind: what broke`, then
 * a summary; exit 0 when every chain holds, 1 when any break (or a stretch
 * that cannot be checked) was found, 2 on bad usage.
 *
 * @module
 */

import { parseFlags } from "./lib/flags.ts";

const USAGE = `usage: verify [--keys DIR]... [--private-key PEM] [--quiet] FILE...
  checks the tamper-evidence chain of consecutive log files of one host, oldest first
  --keys DIR          escrow files (*.key, searched recursively: a host's key dir, or a copy of
                      HDFS <root>/_keys/); default /var/lib/syscall-audit/keys when it exists
  --private-key PEM   the audit team's private key, to open sealed escrow files
  --quiet             no run summary, only breaks
  exit 0: every chain holds; 1: breaks or stretches that cannot be checked (one line each,
  FILE:LINE: kind: detail; the summary says BROKEN or INCOMPLETE); 2: bad usage`;

let args;
try {
  args = parseFlags(Deno.args, {
    string: ["keys", "private-key"],
    boolean: ["quiet", "help"],
    alias: { h: "help" },
    repeat: ["keys"],
  });
} catch (e) {
  console.error(`verify: ${(e as Error).message}\n${USAGE}`);
  Deno.exit(2);
}
if (args.values.help || args.positionals.length === 0) {
  console.error(USAGE);
  Deno.exit(args.values.help ? 0 : 2);
}
const { loadKeys } = await import("./tamper/escrow.ts");
const { verifyFiles } = await import("./tamper/verify.ts");
const DEFAULT_KEYS = "/var/lib/syscall-audit/keys";
let dirs = args.repeated.keys;
if (dirs.length === 0) {
  try {
    if (Deno.statSync(DEFAULT_KEYS).isDirectory) dirs = [DEFAULT_KEYS];
  } catch {
    // none
  }
}
let pem: string | undefined;
const pk = args.values["private-key"];
if (typeof pk === "string") {
  try {
    pem = Deno.readTextFileSync(pk);
  } catch (e) {
    console.error(`verify: Cannot read private key "${pk}": ${(e as Error).message}`);
    Deno.exit(2);
  }
}
for (const f of args.positionals) {
  try {
    if (!Deno.statSync(f).isFile) throw new Error("not a regular file");
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    console.error(`verify: Cannot read "${f}": ${why}`);
    Deno.exit(2);
  }
}
const ring = loadKeys(dirs, pem);
for (const p of ring.problems) console.error(`verify: ${p}`);
const r = await verifyFiles(args.positionals, { keys: ring.keys });
for (const b of r.breaks) console.log(`${b.file}:${b.line}: ${b.kind}: ${b.detail}`);
if (!args.values.quiet) {
  for (const run of r.runs) {
    console.log(
      `run ${run.nonce} host=${run.host || "?"} boot=${
        run.boot.slice(0, 8)
      } segments ${run.firstSeg}-${run.lastSeg} ` +
        `from ${iso(run.startNs)} to ${
          iso(run.endNs)
        } (last record: ${run.end}), ${run.verified} verified` +
        (run.keyed ? "" : ", no key"),
    );
  }
}
console.log(
  `verify: ${
    r.ok ? "ok" : r.counts.broken ? "BROKEN" : "INCOMPLETE"
  }: ${r.counts.verified} segments verified, ${r.counts.broken} breaks, ` +
    `${r.counts.unverifiable} unverifiable, ${r.runs.length} runs in ${args.positionals.length} files`,
);
Deno.exit(r.ok ? 0 : 1);

function iso(ns: string): string {
  const ms = Number(ns.slice(0, -6));
  return Number.isFinite(ms) && ns.length > 6 ? new Date(ms).toISOString() : ns;
}
