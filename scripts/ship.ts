/**
 * The shipper (cron): `deno task ship --from /var/log --to webhdfs://nn:9870/audit/raw`.
 * Ships the closed (rotated) audit logs of this host to HDFS exactly once,
 * then frees the local disk. One summary line on stdout; exit codes from
 * sysexits.h (0 ok, 65 quarantined, 66 sources refused, 73 local state,
 * 75 try later, 76 conflict, 77 denied, 78 unsafe --from directory).
 *
 * @module
 */

import { parseFlags } from "./lib/flags.ts";
import { parseDuration, parseSize } from "./lib/units.ts";

const USAGE = `usage: ship --from DIR --to webhdfs://NN:PORT[,NN2:PORT]/ROOT [options]

  --from DIR            directory of the live log and its rotated files
  --to URL              webhdfs:// or swebhdfs:// (several NameNodes for HA), or an
                        HttpFS gateway with --gateway
  --log-name NAME       live log's file name (default syscall_audit.log); only its
                        rotated files (NAME.1, NAME.2.gz, NAME-20261127[.gz]) ship
  --host NAME           host name in the layout (default: this host's)
  --state-dir DIR       lock and journal (default /var/lib/syscall-audit)
  --key-dir DIR         the collector's escrowed first keys, shipped write-once to <root>/_keys/
                        (default <state-dir>/keys)
  --quarantine DIR      corrupt files go here (default DIR/<stem>.quarantine)
  --user NAME           HDFS user for simple auth (default: the current user)
  --token-file FILE     delegation token (instead of --user)
  --ca-file FILE        PEM CA certificates for swebhdfs
  --gateway             the URL is an HttpFS gateway: data goes through it
  --keep-days N         keep shipped files N days before deleting (default 0)
  --min-age DURATION    ship files unmodified for this long (default 60s)
  --splay DURATION      first wait a stable per-host delay up to this (default 0)
  --max-rate SIZE       upload at most SIZE per second, e.g. 20M (default no limit)
  --attempts N          tries per file within a run (default 3)
  --backoff DURATION    first pause between tries, doubled, jittered (default 2s)
  --timeout DURATION    per-request timeout (default 30s)
  --gzip-level N        1 (fast, default) .. 9 (smallest)
  --block-size SIZE     HDFS block size of the files written (default 128M)
  --file-permission OCT permission of the HDFS files created (default 640)
  --dir-permission OCT  permission of the HDFS directories created (default 750)
  --verify MODE         checksum (HDFS block checksums vs the data sent; default)
                        or readback (read the file back and hash it)
  --dry-run             show what would be shipped where; change nothing

exit: 0 done, 64 usage, 65 some files quarantined, 66 some files refused (not root's
      regular files), 73 local state or quarantine not writable / not safe,
      75 HDFS unavailable / another shipper running (try later), 76 a name in HDFS
      held other bytes (conflict), 77 permission denied, 78 --from not safe for root`;

function fail(msg: string): never {
  console.error(`ship: ${msg}`);
  Deno.exit(64);
}

let values: Record<string, string | boolean | undefined>;
try {
  values = parseFlags(Deno.args, {
    string: [
      "from",
      "to",
      "log-name",
      "host",
      "state-dir",
      "key-dir",
      "quarantine",
      "user",
      "token-file",
      "ca-file",
      "keep-days",
      "min-age",
      "splay",
      "max-rate",
      "attempts",
      "backoff",
      "timeout",
      "verify",
      "file-permission",
      "dir-permission",
      "block-size",
      "gzip-level",
    ],
    boolean: ["gateway", "dry-run", "help"],
    alias: { h: "help" },
  }).values;
} catch (e) {
  fail(`${(e as Error).message}\n${USAGE}`);
}
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const str = (k: string) => (typeof values[k] === "string" ? values[k] as string : undefined);
const whole = (k: string) => {
  const v = str(k);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) fail(`--${k} must be a whole number: got "${v}"`);
  return Number(v);
};
const duration = (k: string) => {
  const v = str(k);
  try {
    return v === undefined ? undefined : parseDuration(v, `--${k}`);
  } catch (e) {
    fail((e as Error).message);
  }
};
const from = str("from");
const to = str("to");
if (!from || !to) fail(`--from and --to are required\n${USAGE}`);
for (const k of ["file-permission", "dir-permission"]) {
  const v = str(k);
  if (v !== undefined && !/^[0-7]{3,4}$/.test(v)) fail(`--${k} must be octal like 640: got "${v}"`);
}
const verify = str("verify");
if (verify !== undefined && verify !== "checksum" && verify !== "readback") {
  fail(`--verify must be checksum or readback: got "${verify}"`);
}
let maxRate: number | undefined;
let blockSize: number | undefined;
try {
  maxRate = str("max-rate") === undefined ? undefined : parseSize(str("max-rate")!, "--max-rate");
  blockSize = str("block-size") === undefined
    ? undefined
    : parseSize(str("block-size")!, "--block-size");
} catch (e) {
  fail((e as Error).message);
}
if (blockSize !== undefined && (blockSize < 1024 * 1024 || blockSize % 512)) {
  fail(`--block-size must be at least 1M and a multiple of 512: got ${blockSize}`);
}

const { run } = await import("./shipper/run.ts");
try {
  const report = await run({
    from,
    to,
    logName: str("log-name"),
    host: str("host"),
    stateDir: str("state-dir"),
    keyDir: str("key-dir"),
    quarantineDir: str("quarantine"),
    user: str("user"),
    tokenFile: str("token-file"),
    caFile: str("ca-file"),
    gateway: values.gateway === true,
    keepDays: whole("keep-days"),
    minAgeMs: duration("min-age"),
    splayMs: duration("splay"),
    maxRate,
    attempts: whole("attempts"),
    backoffMs: duration("backoff"),
    timeoutMs: duration("timeout"),
    gzipLevel: whole("gzip-level"),
    blockSize,
    filePermission: str("file-permission"),
    dirPermission: str("dir-permission"),
    verify: verify as "checksum" | "readback" | undefined,
    dryRun: values["dry-run"] === true,
  });
  console.log(report.summary);
  Deno.exit(report.exitCode);
} catch (e) {
  // bad options found late (URL, host name, unreadable token or CA file)
  console.error(`ship: ${(e as Error).message}`);
  Deno.exit(e instanceof TypeError || e instanceof RangeError ? 64 : 75);
}
