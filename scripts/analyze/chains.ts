/**
 * The chain count of `deno task analyze`, until a coverage job exists: the
 * day's files of each host (`<input>/dt=D/host=H/*`, docs/hdfs-layout.md, in name order: the
 * shipper names pieces by the time of their first record) are read once
 * more, here, in Deno, and run through the chain verifier with the keys
 * escrowed under `<input>/_keys/`. Local and webhdfs:// inputs only (Spark
 * alone reads hdfs://).
 *
 * A day's first piece usually goes on from the previous day's file and its
 * last one goes on into the next day's: the lines before a host's first
 * record of the day and after its last are counted `chain/unverifiable`,
 * not broken.
 *
 * @module
 */

import { dayDir, isHidden, keysRoot } from "../layout/mod.ts";
import { WebHdfsClient } from "../webhdfs/client.ts";
import { parseWebHdfsUrl } from "../webhdfs/url.ts";
import { loadKeys, openEscrow, parseEscrow } from "../tamper/escrow.ts";
import { ChainVerifier, feedFile, feedStream, UNVERIFIABLE } from "../tamper/verify.ts";

/** Counters `chain/verified`, `chain/broken`, `chain/unverifiable`, plus one line per break. */
export interface ChainCount {
  counters: Record<string, number>;
  /** breaks that contradict a chain: `host=H: FILE:LINE: kind: detail` */
  breaks: string[];
  /** stretches that could not be checked (no key, a day's head or tail), same form */
  unverifiable: string[];
  /** why nothing was counted (an hdfs:// input), else undefined */
  skipped?: string;
}

/** Options of {@link countChains}. */
export interface ChainCountOptions {
  /** PEM private key that opens sealed escrow files. @default none: sealed keys count as missing */
  privateKeyPem?: string;
  /** WebHDFS user (simple auth), as Spark's Hadoop client picks it. @default {$HADOOP_USER_NAME, else $USER, else "root" for uid 0} */
  user?: string;
}

/** Verifies the chains of one day of the shipper's layout. */
export async function countChains(
  input: string,
  day: string,
  options: ChainCountOptions = {},
): Promise<ChainCount> {
  const out: ChainCount = {
    counters: { "chain/verified": 0, "chain/broken": 0, "chain/unverifiable": 0 },
    breaks: [],
    unverifiable: [],
  };
  if (input.startsWith("hdfs://")) {
    out.skipped = "chains not counted: an hdfs:// input is read by Spark only (give webhdfs://)";
    return out;
  }
  const remote = /^s?webhdfs:\/\//.test(input);
  const target = remote ? parseWebHdfsUrl(input) : null;
  const client = target
    ? new WebHdfsClient({
      bases: target.bases,
      user: options.user ?? Deno.env.get("HADOOP_USER_NAME") ?? Deno.env.get("USER") ??
        (Deno.uid() === 0 ? "root" : undefined),
    })
    : null;
  const root = target ? target.root.replace(/\/+$/, "") : input.replace(/\/+$/, "");
  try {
    const keys = client
      ? await remoteKeys(client, keysRoot(root), options.privateKeyPem)
      : loadKeys(
        dirExists(keysRoot(root)) ? [keysRoot(root)] : [],
        options.privateKeyPem,
      ).keys;
    const dayPath = dayDir(root, day);
    const hosts = client ? await remoteList(client, dayPath, true) : localList(dayPath, true);
    for (const h of hosts) {
      if (!h.startsWith("host=")) continue;
      const files = client
        ? await remoteList(client, `${dayPath}/${h}`, false)
        : localList(`${dayPath}/${h}`, false);
      const v = new ChainVerifier({ keys });
      for (const f of files) {
        const path = `${dayPath}/${h}/${f}`;
        try {
          if (client) {
            const s = await client.open(path);
            await feedStream(
              v,
              f.endsWith(".gz")
                ? s.pipeThrough(
                  new DecompressionStream("gzip") as ReadableWritablePair<Uint8Array, Uint8Array>,
                )
                : s,
              path,
            );
          } else await feedFile(v, path);
        } catch (e) {
          out.breaks.push(`${h}: ${path}: cannot read: ${(e as Error).message}`);
          out.counters["chain/broken"]++;
        }
      }
      const r = v.finish();
      out.counters["chain/verified"] += r.counts.verified;
      out.counters["chain/broken"] += r.counts.broken;
      out.counters["chain/unverifiable"] += r.counts.unverifiable;
      for (const b of r.breaks) {
        (UNVERIFIABLE.has(b.kind) ? out.unverifiable : out.breaks)
          .push(`${h}: ${b.file}:${b.line}: ${b.kind}: ${b.detail}`);
      }
    }
  } finally {
    client?.close();
  }
  return out;
}

function dirExists(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch {
    return false;
  }
}

function localList(dir: string, dirs: boolean): string[] {
  if (!dirExists(dir)) return [];
  return [...Deno.readDirSync(dir)]
    .filter((e) => (dirs ? e.isDirectory : e.isFile) && !isHidden(e.name))
    .map((e) => e.name).sort();
}

async function remoteList(client: WebHdfsClient, dir: string, dirs: boolean): Promise<string[]> {
  if (!(await client.getFileStatus(dir))) return [];
  return (await client.listStatus(dir))
    .filter((s) => (s.type === "DIRECTORY") === dirs && !isHidden(s.pathSuffix))
    .map((s) => s.pathSuffix).sort();
}

async function remoteKeys(
  client: WebHdfsClient,
  dir: string,
  pem: string | undefined,
): Promise<Map<string, Uint8Array>> {
  const keys = new Map<string, Uint8Array>();
  for (const h of await remoteList(client, dir, true)) {
    for (const f of await remoteList(client, `${dir}/${h}`, false)) {
      if (!f.endsWith(".key")) continue;
      const path = `${dir}/${h}/${f}`;
      try {
        const r = parseEscrow(new TextDecoder().decode(await client.readAll(path)), path);
        keys.set(r.nonce, openEscrow(r, pem));
      } catch {
        // unusable: that run counts as having no key
      }
    }
  }
  return keys;
}
