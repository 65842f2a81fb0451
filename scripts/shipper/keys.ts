/**
 * Ships the collector's escrow files (the chain's first keys,
 * scripts/tamper/escrow.ts) write-once to `<root>/_keys/host=<H>/<nonce>.key`
 * and deletes each local copy only once the stored bytes are proven equal to
 * it. Like a log piece: staged under `_staging/`, read back, renamed into
 * place (HDFS's rename never replaces a file); a name already taken by the
 * same bytes is a rerun, by other bytes a conflict (reported, the local file
 * kept, nothing replaced).
 *
 * The shipper calls {@link shipKeys} on every run, before the logs and even
 * when there are none: the sooner a key leaves the host, the shorter the time
 * an attacker could swap it (docs/tamper-evidence.md).
 *
 * @module
 */

import { readSync } from "node:fs";
import { closeFd, openTrusted } from "./safe_open.ts";
import type { WebHdfsClient } from "../webhdfs/client.ts";
import { parseEscrow } from "../tamper/escrow.ts";
import { keyFileName, keysDir, sanitizeHost, stagingDir } from "../layout/mod.ts";

/** Options of {@link shipKeys}. */
export interface ShipKeysOptions {
  /** octal permission of a key file in HDFS. @default "640" */
  filePermission?: string;
  /** octal permission of the directories made. @default "750" */
  dirPermission?: string;
  /** list what would be shipped, change nothing. @default false */
  dryRun?: boolean;
  /** one-line problems. @default console.error */
  warn?: (line: string) => void;
}

export interface ShipKeysReport {
  /** local names uploaded (and deleted locally) */
  shipped: string[];
  /** local names found already stored with the same bytes (deleted locally) */
  present: string[];
  /** local names whose HDFS name holds other bytes (kept locally) */
  conflicts: string[];
  failed: { name: string; error: string }[];
}

/** The escrow files waiting in `keyDir` (names), so a run with no log to ship still ships keys. */
export function pendingKeys(keyDir: string): string[] {
  try {
    return [...Deno.readDirSync(keyDir)].filter((e) => e.isFile && e.name.endsWith(".key"))
      .map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new Error(`Cannot read key directory "${keyDir}": ${(e as Error).message}`);
  }
}

/** Uploads every `*.key` escrow file of `keyDir`; never throws for one file's problem. */
export async function shipKeys(
  client: WebHdfsClient,
  root: string,
  host: string,
  keyDir: string,
  opts: ShipKeysOptions = {},
): Promise<ShipKeysReport> {
  const warn = opts.warn ?? ((l: string) => console.error(l));
  const report: ShipKeysReport = { shipped: [], present: [], conflicts: [], failed: [] };
  const hostDir = sanitizeHost(host);
  const dest = keysDir(root, hostDir);
  const names = pendingKeys(keyDir);
  let madeDirs = false;
  for (const name of names) {
    const local = `${keyDir}/${name}`;
    try {
      // root reads it: not through a symlink, only a regular file of ours nobody else may write
      const f = openTrusted(local, name);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(f.size);
        let off = 0;
        while (off < f.size) {
          const n = readSync(f.fd, bytes, off, f.size - off, off);
          if (n <= 0) throw new Error("shrank while read");
          off += n;
        }
      } finally {
        closeFd(f.fd);
      }
      const rec = parseEscrow(new TextDecoder().decode(bytes), local);
      if (name !== `${rec.boot}-${rec.nonce}.key`) {
        throw new Error(
          `its name does not match its content (boot ${rec.boot}, nonce ${rec.nonce})`,
        );
      }
      const target = `${dest}/${keyFileName(rec.nonce)}`;
      if (opts.dryRun) {
        warn(`ship: key ${name} would go to ${target}`);
        continue;
      }
      if (!madeDirs) {
        await client.mkdirs(dest, opts.dirPermission ?? "750");
        await client.mkdirs(stagingDir(root, hostDir), opts.dirPermission ?? "750");
        madeDirs = true;
      }
      let outcome = await stored(client, target, bytes);
      if (outcome === "missing") {
        const tmp = `${stagingDir(root, hostDir)}/key-${rec.nonce}.${crypto.randomUUID()}.tmp`;
        await client.create(tmp, bytes, {
          overwrite: false,
          permission: opts.filePermission ?? "640",
        });
        if ((await stored(client, tmp, bytes)) !== "same") {
          await client.delete(tmp).catch(() => false);
          throw new Error(`the staged copy "${tmp}" does not read back equal`);
        }
        const renamed = await client.rename(tmp, target);
        if (!renamed) await client.delete(tmp).catch(() => false);
        outcome = await stored(client, target, bytes);
        if (outcome === "same" && renamed) {
          report.shipped.push(name);
          outcome = "done";
        }
      }
      if (outcome === "same") report.present.push(name);
      if (outcome === "same" || outcome === "done") {
        Deno.removeSync(local);
      } else if (outcome === "other") {
        report.conflicts.push(name);
        warn(`ship: key ${name}: "${target}" holds other bytes; kept locally, nothing replaced`);
      } else {
        throw new Error(`"${target}" is missing after the rename`);
      }
    } catch (e) {
      report.failed.push({ name, error: (e as Error).message });
      warn(`ship: key ${name} not shipped: ${(e as Error).message}`);
    }
  }
  return report;
}

/** Whether `path` in HDFS holds exactly `bytes`. */
async function stored(
  client: WebHdfsClient,
  path: string,
  bytes: Uint8Array,
): Promise<"missing" | "same" | "other" | "done"> {
  const st = await client.getFileStatus(path);
  if (!st) return "missing";
  if (st.type !== "FILE" || st.length !== bytes.length) return "other";
  const got = await client.readAll(path);
  if (got.length !== bytes.length) return "other";
  for (let i = 0; i < got.length; i++) if (got[i] !== bytes[i]) return "other";
  return "same";
}
