/**
 * A shipper run (`deno task ship`): finds the closed log files of a host,
 * ships each exactly once to `<root>/dt=YYYY-MM-DD/host=<host>/`, records it
 * in the local journal, and only then frees the local disk. Ends with one
 * summary line and an exit code for cron (sysexits).
 *
 * @module
 */

import { dirname } from "node:path";
import { DEFAULT_BLOCK_SIZE } from "../webhdfs/checksum.ts";
import { WebHdfsClient } from "../webhdfs/client.ts";
import { HdfsError, HdfsPermissionError, HdfsUnavailableError } from "../webhdfs/errors.ts";
import { parseWebHdfsUrl } from "../webhdfs/url.ts";
import { formatBytes } from "../lib/units.ts";
import { dayOfMs, DaySplitter, dayString } from "./day_split.ts";
import { stableFraction } from "./host_name.ts";
import { hostDayDir, pieceName, sanitizeHost, stagingDir, stampOf } from "../layout/mod.ts";
import { Journal, type JournalEntry, type ShippedPrefix } from "./journal.ts";
import { type HeldLock, tryLock } from "./lock.ts";
import { RateLimit } from "./rate_limit.ts";
import {
  contentIdOf,
  CorruptSourceError,
  isShippedPrefix,
  pieceSegments,
  PrefixMismatchError,
  type ShipContext,
  shipFile,
} from "./ship_file.ts";
import { dirProblem, FdReader } from "./safe_open.ts";
import { pendingKeys, shipKeys } from "./keys.ts";
import {
  closeSource,
  closeSources,
  findClosedFiles,
  type SourceFile,
  sourceReader,
} from "./sources.ts";

/** Exit codes (sysexits.h), so cron and monitoring can tell what happened. */
export const EXIT = {
  /** everything ready was shipped (or there was nothing to do) */
  OK: 0,
  /** bad options */
  USAGE: 64,
  /** some files are corrupt and were quarantined; the rest shipped */
  DATAERR: 65,
  /** some rotated names were refused (symlink, FIFO, device, wrong owner, group/other writable) and left in place; the rest shipped */
  NOINPUT: 66,
  /** local state (journal, lock, quarantine) could not be written */
  CANTCREAT: 73,
  /** HDFS unreachable or failing, or another shipper is running: try again later */
  TEMPFAIL: 75,
  /** a piece's name in HDFS holds other bytes (not explainable as growth): shipped as `.conflict-<hash>` evidence */
  PROTOCOL: 76,
  /** HDFS refused (permission denied): needs a configuration change */
  NOPERM: 77,
  /** the --from directory is not safe for root to read from (owner, mode): nothing done */
  CONFIG: 78,
} as const;

/** Options of {@link run}. */
export interface ShipOptions {
  /** directory holding the live log and its rotated files */
  from: string;
  /** `webhdfs://nn1:port[,nn2:port]/root` or `swebhdfs://...` */
  to: string;
  /** the live log's file name; rotated names derive from it. @default "syscall_audit.log" */
  logName?: string;
  /** host name for the layout. @default Deno.hostname() */
  host?: string;
  /** lock and journal directory. @default "/var/lib/syscall-audit" */
  stateDir?: string;
  /** the collector's escrow files of its runs' first keys, shipped write-once to `<root>/_keys/`. @default {"<stateDir>/keys": the collector's DEFAULT_KEY_DIR} */
  keyDir?: string;
  /** where corrupt files go. @default "<from>/<stem>.quarantine" */
  quarantineDir?: string;
  /** HDFS user (simple auth). @default the user running the shipper */
  user?: string;
  /** file holding a delegation token (used instead of `user`). @default none */
  tokenFile?: string;
  /** PEM file of CA certificates for swebhdfs. @default the system's */
  caFile?: string;
  /** the URL is an HttpFS gateway (data through it, one request). @default false */
  gateway?: boolean;
  /** keep shipped files this many days before deleting them. @default 0 */
  keepDays?: number;
  /** a rotated file must be this old (mtime) to ship, ms. @default 60000 */
  minAgeMs?: number;
  /** wait a stable per-host random delay up to this long first, ms. @default 0 */
  splayMs?: number;
  /** upload bytes per second, 0 = no limit. @default 0 */
  maxRate?: number;
  /** attempts per file within a run. @default 3 */
  attempts?: number;
  /** first pause between attempts, ms (doubled, full jitter); also the HDFS client's. @default 2000 */
  backoffMs?: number;
  /** per-request timeout of the HDFS client, ms. @default 30000 */
  timeoutMs?: number;
  /** "checksum" compares HDFS's block checksums with the data sent; "readback" reads the file back. @default "checksum" */
  verify?: "checksum" | "readback";
  /** octal permissions of the files and directories created. @default "640" / "750" */
  filePermission?: string;
  dirPermission?: string;
  /** HDFS block size of the files written. @default 128 MiB */
  blockSize?: number;
  /** zlib level of the gzip written: 1 fast .. 9 small. @default 1 */
  gzipLevel?: number;
  /** print what would be shipped; touch nothing. @default false */
  dryRun?: boolean;
  /** per-event lines. @default console.error */
  warn?: (line: string) => void;
}

/** What {@link run} returns. */
export interface ShipReport {
  exitCode: number;
  /** the one summary line */
  summary: string;
  shipped: JournalEntry[];
  /** files already shipped earlier (journal) that were deleted or kept */
  alreadyShipped: number;
  quarantined: string[];
  /** rotated names not read because they are not trusted regular files, and why */
  refused: { name: string; why: string }[];
  failed: { name: string; error: string }[];
  deleted: string[];
  conflicts: number;
  /** escrow files of first keys stored in HDFS (and removed here) */
  keys: number;
}

/** One shipper run. Never throws for HDFS or file problems: they end up in the report. */
export async function run(options: ShipOptions): Promise<ShipReport> {
  const t0 = performance.now();
  const warn = options.warn ?? ((l: string) => console.error(l));
  const logName = options.logName ?? "syscall_audit.log";
  const stem = safeStem(logName);
  const host = options.host ?? Deno.hostname();
  const hostDir = sanitizeHost(host);
  const target = parseWebHdfsUrl(options.to);
  const from = await Deno.stat(options.from).catch(() => undefined);
  if (!from?.isDirectory) throw new TypeError(`--from "${options.from}" is not a directory`);
  const fromReal = await Deno.realPath(options.from);
  const stateDir = options.stateDir ?? "/var/lib/syscall-audit";
  const quarantineDir = options.quarantineDir ?? `${options.from}/${stem}.quarantine`;
  const report: ShipReport = {
    exitCode: EXIT.OK,
    summary: "",
    shipped: [],
    alreadyShipped: 0,
    quarantined: [],
    refused: [],
    failed: [],
    deleted: [],
    conflicts: 0,
    keys: 0,
  };
  const finish = (note = "") => {
    if (report.exitCode === EXIT.OK) {
      // the most pressing first; each has its own stderr lines
      if (report.failed.length) report.exitCode = EXIT.TEMPFAIL;
      else if (report.conflicts) report.exitCode = EXIT.PROTOCOL;
      else if (report.refused.length) report.exitCode = EXIT.NOINPUT;
      else if (report.quarantined.length) report.exitCode = EXIT.DATAERR;
    }
    const raw = report.shipped.reduce((n, e) => n + e.raw_bytes, 0);
    const sent = report.shipped.reduce((n, e) => n + e.pieces.reduce((m, p) => m + p.bytes, 0), 0);
    const pieces = report.shipped.reduce((n, e) => n + e.pieces.length, 0);
    const present = report.shipped.reduce(
      (n, e) => n + e.pieces.filter((p) => p.outcome === "present").length,
      0,
    );
    report.summary = `ship: host=${hostDir} ${
      options.dryRun ? "dry run, " : ""
    }shipped ${report.shipped.length} files (${pieces} pieces${
      present ? `, ${present} of them already in HDFS` : ""
    }, ${formatBytes(raw)} -> ${
      formatBytes(sent)
    }), ${report.alreadyShipped} already shipped, ${report.conflicts} conflicts, ${report.refused.length} refused, ${report.quarantined.length} quarantined, ${report.failed.length} failed, ${report.deleted.length} deleted, ${report.keys} keys escrowed, in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s${note ? `; ${note}` : ""}`;
    return report;
  };

  // root reads, deletes and moves files here: nobody else may put or swap files in it
  let unsafe = dirProblem(fromReal, "--from directory");
  if (unsafe && !dirProblem(fromReal, "--from directory", undefined, { group: true })) {
    // Ubuntu's /var/log is root:syslog 0775: the files are checked one by one (root's, one link,
    // no group/other write, opened without following links), so warn, do not stop shipping
    warn(`ship: warning: ${unsafe}; its files are checked one by one`);
    unsafe = undefined;
  }
  if (unsafe) {
    warn(`ship: ${unsafe}; nothing done`);
    report.exitCode = EXIT.CONFIG;
    return finish(`${unsafe}; nothing done`);
  }

  if (options.splayMs && options.splayMs > 0) {
    const wait = Math.floor(stableFraction(hostDir) * options.splayMs);
    await new Promise((r) => setTimeout(r, wait));
  }

  let lock: HeldLock | undefined;
  let journal: Journal;
  try {
    await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
    const got = await tryLock(`${stateDir}/ship.lock`);
    if ("holder" in got) {
      report.exitCode = EXIT.TEMPFAIL;
      return finish(
        `another shipper (pid ${got.holder}) holds ${stateDir}/ship.lock; nothing done`,
      );
    }
    lock = got;
    journal = await Journal.load(`${stateDir}/shipped.jsonl`);
  } catch (e) {
    report.exitCode = EXIT.CANTCREAT;
    return finish(`cannot use state directory "${stateDir}": ${(e as Error).message}`);
  }

  let ready: SourceFile[] = [];
  try {
    const found = await findClosedFiles(fromReal, logName, {
      minAgeMs: options.minAgeMs ?? 60_000,
    });
    ready = found.ready;
    for (const b of found.busy) warn(`ship: "${b.name}" left for a later run: ${b.why}`);
    for (const r of found.refused) {
      warn(`ship: refused ${r.why}; not read, left in place`);
      report.refused.push(r);
    }
    const todo: SourceFile[] = [];
    const prefixes = new Map<SourceFile, ShippedPrefix>();
    for (const src of ready) {
      const entry = journal.byStat(src) ?? await journaledCopy(journal, src);
      if (!entry) {
        todo.push(src);
        // grown since a range of it was shipped? (checked against the file when shipping)
        const prefix = journal.shippedPrefix(src);
        if (prefix && src.size > prefix.size) prefixes.set(src, prefix);
        continue;
      }
      report.alreadyShipped++;
      if (!options.dryRun && expired(src, options.keepDays ?? 0)) {
        if (await removeIfSame(src, warn)) report.deleted.push(src.name);
      }
      closeSource(src);
    }
    const keyDir = options.keyDir ?? `${stateDir}/keys`;
    let keys: string[] = [];
    try {
      keys = pendingKeys(keyDir);
    } catch (e) {
      warn(`ship: ${(e as Error).message}`);
      report.exitCode ||= EXIT.CANTCREAT;
    }
    if (options.dryRun) {
      for (const src of todo) await plan(src, stem, hostDir, target.root, warn, prefixes.get(src));
      for (const k of keys) warn(`ship: would escrow "${keyDir}/${k}"`);
      return finish(`${todo.length} files and ${keys.length} keys would be shipped`);
    }
    // a new run's first key goes out at the next cron run, whether or not a log rotated
    if (!todo.length && !keys.length) return finish();

    const client = new WebHdfsClient({
      bases: target.bases,
      user: options.tokenFile ? undefined : options.user ?? currentUser(),
      delegationToken: options.tokenFile
        ? (await Deno.readTextFile(options.tokenFile)).trim()
        : undefined,
      caCerts: options.caFile ? [await Deno.readTextFile(options.caFile)] : undefined,
      gateway: options.gateway,
      timeoutMs: options.timeoutMs,
      backoffMs: options.backoffMs ?? 2000,
    });
    const ctx: ShipContext = {
      client,
      root: target.root,
      host,
      hostDir,
      stem,
      limiter: new RateLimit(options.maxRate ?? 0),
      gzipLevel: options.gzipLevel ?? 1,
      blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
      filePermission: options.filePermission ?? "640",
      dirPermission: options.dirPermission ?? "750",
      verify: options.verify ?? "checksum",
      knownDirs: new Set(),
      keyDir,
      warn,
    };
    try {
      // leftovers of a run that was killed (this host's only: we hold its lock)
      await client.delete(stagingDir(target.root, hostDir), true);
    } catch (e) {
      const msg = (e as Error).message;
      warn(`ship: ${msg}`);
      for (const src of todo) report.failed.push({ name: src.name, error: msg });
      report.exitCode = exitFor(e);
      return finish();
    }
    for (let i = 0; i < todo.length; i++) {
      const src = todo[i];
      const outcome = await shipWithRetries(ctx, src, prefixes.get(src), options, warn);
      if (outcome instanceof CorruptSourceError) {
        try {
          const dest = await quarantine(src, quarantineDir);
          warn(`ship: ${outcome.message}; moved to "${dest}"`);
          report.quarantined.push(src.name);
        } catch (e) {
          const why = `cannot quarantine: ${(e as Error).message}`;
          warn(`ship: ${outcome.message}; ${why}; left in place`);
          report.failed.push({ name: src.name, error: why });
          report.exitCode ||= EXIT.CANTCREAT;
        }
        continue;
      }
      if (outcome instanceof Error) {
        report.failed.push({ name: src.name, error: outcome.message });
        warn(`ship: "${src.name}" not shipped: ${outcome.message}`);
        if (outcome instanceof HdfsUnavailableError || outcome instanceof HdfsPermissionError) {
          // HDFS is down or refuses us: leave the rest for the next run
          for (const rest of todo.slice(i + 1)) {
            report.failed.push({ name: rest.name, error: "not tried: " + outcome.message });
          }
          report.exitCode = exitFor(outcome);
          break;
        }
        continue;
      }
      report.shipped.push(outcome);
      report.conflicts += outcome.pieces.filter((p) => p.outcome === "conflict").length;
      // verified in HDFS: record, then free the disk
      let journalError: unknown;
      try {
        await journal.append(outcome);
      } catch (e) {
        journalError = e; // a full disk: deleting frees space, then try again
      }
      if (expired(src, options.keepDays ?? 0) && await removeIfSame(src, warn)) {
        report.deleted.push(src.name);
      }
      closeSource(src); // frees the space of a deleted file

      if (journalError) {
        try {
          await journal.append(outcome);
        } catch (e) {
          warn(`ship: cannot write the journal "${journal.path}": ${(e as Error).message}`);
          report.exitCode ||= EXIT.CANTCREAT;
        }
      }
    }
    // after the files: their chain verdicts use the keys still here
    if (keys.length && !report.failed.some((f) => f.error.startsWith("not tried: "))) {
      const k = await shipKeys(client, target.root, host, keyDir, {
        warn,
        filePermission: ctx.filePermission,
        dirPermission: ctx.dirPermission,
      });
      report.keys = k.shipped.length + k.present.length;
      report.conflicts += k.conflicts.length;
      for (const f of k.failed) report.failed.push(f);
    }
    client.close();
    return finish();
  } finally {
    closeSources(ready);
    lock?.release();
  }
}

/** Ships one file, retrying transient HDFS failures; returns the entry or the last error. */
async function shipWithRetries(
  ctx: ShipContext,
  src: SourceFile,
  prefix: ShippedPrefix | undefined,
  options: ShipOptions,
  warn: (l: string) => void,
): Promise<JournalEntry | Error> {
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 2000;
  for (let a = 1;; a++) {
    try {
      const r = await shipFile(ctx, src, prefix);
      if (prefix) {
        warn(
          `ship: "${src.name}" grew after ${prefix.rawEnd} bytes of it were shipped; shipped bytes ${prefix.rawEnd}..${
            prefix.rawEnd + r.raw_bytes
          } as piece ${r.first_piece}${
            r.pieces.length > 1 ? `..${r.first_piece + r.pieces.length - 1}` : ""
          }`,
        );
      }
      return {
        v: 1,
        at: new Date().toISOString(),
        host: ctx.host,
        source: src.name,
        dev: src.dev,
        ino: src.ino,
        size: src.size,
        mtimeMs: src.mtimeMs,
        ...r,
      };
    } catch (e) {
      if (e instanceof CorruptSourceError) return e;
      if (e instanceof PrefixMismatchError) {
        // not the file shipped before (its inode was reused): a new file, shipped whole
        prefix = undefined;
        a--;
        continue;
      }
      const transient = !(e instanceof HdfsError) || e.transient;
      if (!transient || a >= attempts) return e as Error;
      warn(`ship: "${src.name}" attempt ${a} of ${attempts} failed: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, Math.random() * backoffMs * 2 ** (a - 1)));
    }
  }
}

/** HDFS refused (fix the configuration) or is unavailable (the next run retries). */
function exitFor(e: unknown): number {
  return e instanceof HdfsPermissionError ? EXIT.NOPERM : EXIT.TEMPFAIL;
}

/** A compressed copy of a journaled file (logrotate compressed it after we shipped it)? */
async function journaledCopy(journal: Journal, src: SourceFile): Promise<unknown> {
  if (!src.gz || !journal.entries.length || src.size < 18) return undefined;
  // the gzip trailer's ISIZE (length mod 2^32) rules out most files without reading them
  try {
    const b = new Uint8Array(4);
    if ((await new FdReader(src.fd, src.size - 4, src.size, src.name).read(b)) !== 4) {
      return undefined;
    }
    const isize = new DataView(b.buffer).getUint32(0, true);
    // a file shipped in ranges (it grew): its ranges split again, one by one
    for (const prefix of journal.grownPrefixesMod32(isize)) {
      if (await isShippedPrefix(src, prefix)) return prefix;
    }
    if (!journal.hasRawSizeMod32(isize)) return undefined;
    return journal.byRawSha(await contentIdOf(src));
  } catch {
    return undefined; // unreadable: the normal path reports it
  }
}

function expired(src: SourceFile, keepDays: number): boolean {
  return keepDays <= 0 || Date.now() - src.mtimeMs >= keepDays * 86_400_000;
}

/** Deletes `src` if the name still is the very file that was shipped. */
async function removeIfSame(src: SourceFile, warn: (l: string) => void): Promise<boolean> {
  try {
    const st = await Deno.lstat(src.path);
    if (st.ino === src.ino && st.dev === src.dev && st.size > src.size) {
      warn(
        `ship: "${src.name}" grew while it was shipped; kept: the bytes past the ones shipped go in a later run`,
      );
      return false;
    }
    if (st.ino !== src.ino || st.size !== src.size || st.mtime?.getTime() !== src.mtimeMs) {
      warn(`ship: "${src.name}" is another file now (rotated meanwhile); not deleted`);
      return false;
    }
    await Deno.remove(src.path);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      warn(`ship: cannot delete "${src.name}": ${(e as Error).message}`);
    }
    return false;
  }
}

/**
 * Moves `src` into `dir` by a rename (never a copy) and returns where it went.
 * `dir` is made 0700 if missing and must then be a real directory (not a
 * symlink) owned by us, not writable by group or others, in a trusted parent,
 * on the file's own file system; the name must still be the file checked.
 * Throws, with the file left where it is, when any of that fails.
 */
async function quarantine(src: SourceFile, dir: string): Promise<string> {
  const parentProblem = dirProblem(dirname(dir), "the quarantine's parent");
  if (parentProblem) throw new Error(parentProblem);
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  const problem = dirProblem(dir, "the quarantine directory", undefined, { sticky: false });
  if (problem) throw new Error(problem);
  const d = await Deno.lstat(dir);
  if (d.dev !== src.dev) {
    throw new Error(`"${dir}" is on another file system than "${src.name}"`);
  }
  const now = await Deno.lstat(src.path);
  if (!now.isFile || now.ino !== src.ino || now.dev !== src.dev) {
    throw new Error(`"${src.name}" is another file now`);
  }
  let dest = `${dir}/${src.name}`;
  for (let n = 1; await exists(dest); n++) dest = `${dir}/${src.name}.${n}`;
  await Deno.rename(src.path, dest);
  return dest;
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** --dry-run: where the pieces of `src` would go. */
async function plan(
  src: SourceFile,
  stem: string,
  hostDir: string,
  root: string,
  warn: (l: string) => void,
  prefix?: ShippedPrefix,
): Promise<void> {
  const splitter = new DaySplitter(dayOfMs(src.mtimeMs));
  const pieces: { day: number; bytes: number; lines: number }[] = [];
  if (prefix) {
    console.log(
      `${src.name}: grew after ${prefix.rawEnd} bytes were shipped: the bytes past them would be shipped as new pieces from ${prefix.nextPiece}`,
    );
    return;
  }
  try {
    for await (const seg of pieceSegments(src, sourceReader(src), splitter)) {
      const p = pieces[seg.piece] ??= { day: seg.day, bytes: 0, lines: 0 };
      p.bytes += seg.bytes.length;
      p.lines += seg.lines;
    }
  } catch (e) {
    console.log(`${src.name}: ${(e as Error).message}: would be quarantined`);
    return;
  }
  const stamp = stampOf(splitter.firstTimedLine, src.mtimeMs);
  pieces.forEach((d, i) => {
    console.log(
      `${src.name}: ${d.lines} lines, ${formatBytes(d.bytes)} -> ${
        hostDayDir(root, dayString(d.day), hostDir)
      }/${pieceName(stem, stamp, i)}`,
    );
  });
  if (!pieces.length) warn(`ship: "${src.name}" is empty: nothing to ship`);
}

/** "syscall_audit" from "syscall_audit.log", safe as a file name part. */
function safeStem(logName: string): string {
  const s = logName.replace(/\.log$/, "").replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "");
  return s || "audit";
}

function currentUser(): string {
  return Deno.env.get("USER") ?? (Deno.uid() === 0 ? "root" : String(Deno.uid()));
}
