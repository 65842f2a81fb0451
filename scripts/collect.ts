/**
 * The exec collector (root). `deno task collect --log <file>` runs until
 * SIGTERM/SIGINT; `--check` prints the capability report.
 *
 * @module
 */

import { parseFlags } from "./lib/flags.ts";

const USAGE = `usage: collect [--log FILE] [options]     capture execs until SIGTERM/SIGINT
       collect --check [--object FILE]     can this host run the collector?

  --log FILE              audit log (default /var/log/syscall_audit.log)
  --object FILE           BPF object (default build/exec.bpf.o)
  --libbpf PATH           libbpf to load (default $LIBBPF_PATH or libbpf.so.1)
  --max-args N            argv elements kept per event, 1..128 (default 128)
  --max-arg-bytes N       argv bytes captured per event, 16..16383 (default 8192)
  --ring-mb N             ring buffer MiB, a power of two (default 2)
  --no-cwd                do not resolve relative filenames with the cwd
  --no-ia32               no programs on every syscall for 32-bit execs (ia32, int $0x80):
                          those then show as successes only, syscall unknown; open says ia32=0
  --redact-keys W,W,...   words whose values are hidden in argv (default: password,
                          passwd,secret,token,apikey,api_key,... see redact.ts)
  --no-redact             keep argv as it is, secrets included
  --redact-key-file FILE  site key of the redacted values' hashes (default /etc/syscall-audit/redact.key;
                          missing: no hashes, with a warning)
  --wakeup-ms N            longest wait of an event before it is appended (default 900)
  --stats-interval S      seconds between stats records (default 60)
  --min-free-mb N         hold exec lines back below this much free disk, root's reserve
                          counted when root (default 64; stats lines always written)
  --pin-dir DIR           bpffs dir of the counters kept across restarts
                          (default /sys/fs/bpf/syscall-audit; "" turns it off)
  --key-dir DIR           escrow files of the chain's first keys (default /var/lib/syscall-audit/keys)
  --no-chain              no tamper evidence (plain S1 records, no key): for benchmarks only
  --escrow-public-key PEM public key the first key is sealed to (default /etc/syscall-audit/escrow.pub;
                          missing: escrowed in clear, with a warning)`;

function int(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined || typeof v === "boolean") return undefined;
  if (!/^\d+$/.test(v)) {
    console.error(`collect: --${name} must be a whole number: got "${v}"`);
    Deno.exit(2);
  }
  return Number(v);
}

let args: Record<string, string | boolean | undefined>;
try {
  args = parseFlags(Deno.args, {
    string: [
      "log",
      "object",
      "libbpf",
      "max-args",
      "max-arg-bytes",
      "ring-mb",
      "redact-keys",
      "redact-key-file",
      "wakeup-ms",
      "stats-interval",
      "min-free-mb",
      "pin-dir",
      "key-dir",
      "escrow-public-key",
    ],
    boolean: ["no-cwd", "no-ia32", "no-redact", "no-chain", "check", "help"],
    alias: { h: "help" },
  }).values;
} catch (e) {
  console.error(`collect: ${(e as Error).message}\n${USAGE}`);
  Deno.exit(2);
}
if (args.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const { defaultObject, run } = await import("./collector/run.ts");
const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
const object = str(args.object) ?? defaultObject();
if (args.check) {
  const { printCheck } = await import("./collector/check.ts");
  Deno.exit(printCheck(object, str(args.libbpf)));
}
const ringMb = int(args["ring-mb"], "ring-mb");
const minFree = int(args["min-free-mb"], "min-free-mb");
const statsS = int(args["stats-interval"], "stats-interval");
try {
  const report = await run({
    log: str(args.log),
    object,
    libbpfPath: str(args.libbpf),
    maxArgs: int(args["max-args"], "max-args"),
    maxArgsBytes: int(args["max-arg-bytes"], "max-arg-bytes"),
    ringBytes: ringMb === undefined ? undefined : ringMb * 1024 * 1024,
    captureCwd: !args["no-cwd"],
    ia32: !args["no-ia32"],
    redactKeys: args["no-redact"]
      ? []
      : str(args["redact-keys"])?.split(",").map((w) => w.trim()).filter((w) => w),
    redactKeyFile: str(args["redact-key-file"]),
    chain: !args["no-chain"],
    wakeupMs: int(args["wakeup-ms"], "wakeup-ms"),
    statsIntervalMs: statsS === undefined ? undefined : statsS * 1000,
    minFreeBytes: minFree === undefined ? undefined : minFree * 1024 * 1024,
    pinDir: str(args["pin-dir"]),
    keyDir: str(args["key-dir"]),
    escrowPublicKey: str(args["escrow-public-key"]),
  });
  console.error(
    `collect: stopped: ${report.events} events attempted, lost: ring ${report.rb_lost}, queue ${report.queue_lost}, ` +
      `writer ${report.write_lost}, disk guard ${report.disk_dropped}`,
  );
  Deno.exit(0);
} catch (e) {
  console.error(`collect: ${(e as Error).message}`);
  Deno.exit(1);
}
