/**
 * Helpers for tests against the real HDFS of `scripts/hdfs/` (a MiniDFSCluster
 * in its own JVM): start/stop, fault injection through its control port,
 * Hadoop's own FileSystem API as an independent reader, and the shipper run
 * as a real process.
 *
 * @module
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { WebHdfsClient } from "../scripts/webhdfs/client.ts";

const root = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

/** state.json of a running cluster. */
export interface HdfsState {
  pid: number;
  hdfs: string;
  webhdfs: string[];
  control: string;
  datanodes: { http: string }[];
  user: string;
  ca: string | null;
  /** base URL of the HttpFS gateway (started with `--httpfs`), else null */
  httpfs: string | null;
  /** the URL up.sh printed last */
  url: string;
  dir: string;
}

/** Starts (or reuses) a cluster in `build/hdfs/<name>`. */
export async function startHdfs(name: string, flags: string[] = []): Promise<HdfsState> {
  const dir = `${root}build/hdfs/${name}`;
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/hdfs/up.sh`, "--dir", dir, ...flags],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `hdfs up failed: ${dec.decode(out.stderr)}`);
  const lines = dec.decode(out.stdout).trim().split("\n");
  const state = JSON.parse(await Deno.readTextFile(`${dir}/state.json`));
  return { ...state, url: lines[lines.length - 1], dir };
}

export async function stopHdfs(state: HdfsState): Promise<void> {
  await new Deno.Command("bash", {
    args: [`${root}scripts/hdfs/down.sh`, "--dir", state.dir],
    stdout: "null",
    stderr: "null",
  }).output();
}

/** POSTs a fault-injection command (e.g. "/namenode/0/stop"). */
export async function control(state: HdfsState, path: string): Promise<void> {
  const res = await fetch(`${state.control}${path}`, { method: "POST" });
  const text = await res.text();
  assert.equal(res.status, 200, `control ${path}: ${text}`);
}

/** A client as the superuser. */
export function superClient(
  state: HdfsState,
  extra: Partial<ConstructorParameters<typeof WebHdfsClient>[0]> = {},
) {
  return new WebHdfsClient({
    bases: state.webhdfs,
    user: state.user,
    caCerts: state.ca ? [Deno.readTextFileSync(state.ca)] : undefined,
    retries: 1,
    backoffMs: 200,
    ...extra,
  });
}

/** Reads a file with Hadoop's own client over hdfs:// RPC (not WebHDFS). */
export async function hadoopCat(state: HdfsState, path: string): Promise<Uint8Array> {
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/hdfs/cat.sh`, `${state.hdfs}${path}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `cat.sh ${path}: ${dec.decode(out.stderr)}`);
  return out.stdout;
}

/** Every file under `dir`, recursively: path -> length. */
export async function tree(client: WebHdfsClient, dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (d: string) => {
    let list;
    try {
      list = await client.listStatus(d);
    } catch (e) {
      if ((e as Error).name === "HdfsNotFoundError") return;
      throw e;
    }
    for (const s of list) {
      const p = `${d}/${s.pathSuffix}`;
      if (s.type === "DIRECTORY") await walk(p);
      else out.set(p, s.length);
    }
  };
  await walk(dir);
  return out;
}

/** Final (not staging) files of a host under a root, gunzipped, by path. */
export async function shippedFiles(
  client: WebHdfsClient,
  hdfsRoot: string,
  hostDir: string,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const p of (await tree(client, hdfsRoot)).keys()) {
    if (p.includes("/_staging/") || !p.includes(`/host=${hostDir}/`)) continue;
    out.set(p, gunzipSync(await client.readAll(p)));
  }
  return out;
}

/** Lines of a byte buffer, as latin1 strings (every byte kept distinct). */
export function linesOf(b: Uint8Array): string[] {
  const t = new TextDecoder("latin1").decode(b);
  const l = t.split("\n");
  if (l[l.length - 1] === "") l.pop();
  return l;
}

/** Asserts that the shipped files of a host hold exactly the lines of `sources`, each once, each in its day. */
export async function assertExactlyOnce(
  client: WebHdfsClient,
  hdfsRoot: string,
  hostDir: string,
  sources: Uint8Array[],
): Promise<Map<string, Uint8Array>> {
  const files = await shippedFiles(client, hdfsRoot, hostDir);
  const got: string[] = [];
  for (const [p, bytes] of files) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(p)![1];
    for (const line of linesOf(bytes)) {
      got.push(line);
      const m = /^[A-Z]\d+\t(\d+)\t/.exec(line);
      if (m) {
        const day = new Date(Number(m[1].slice(0, -9)) * 1000).toISOString().slice(0, 10);
        assert.equal(day, dt, `line of ${day} in ${p}`);
      }
    }
  }
  const want = sources.flatMap(linesOf);
  assert.equal(got.length, want.length, "lines in HDFS vs lines shipped");
  assert.deepStrictEqual(got.sort(), want.sort());
  return files;
}

/** The result of a shipper process. */
export interface ShipRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/ship.ts` as a process. */
export async function ship(args: string[], env: Record<string, string> = {}): Promise<ShipRun> {
  const out = await shipCommand(args, env).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The shipper as a command, for spawning. */
export function shipCommand(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${root}scripts/ship.ts`, ...args],
    env: { TZ: "UTC", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/** Writes files with an mtime an hour ago (old enough to ship). */
export async function writeAged(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const old = new Date(Date.now() - 3_600_000);
  for (const [name, bytes] of Object.entries(files)) {
    await Deno.writeFile(`${dir}/${name}`, bytes);
    await Deno.utime(`${dir}/${name}`, old, old);
  }
}

/** Names in a local directory. */
export async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** Listing RPCs the NameNode has served (getListing + getBatchedListing), from its JMX metrics. */
export async function listingRpcs(s: HdfsState): Promise<number> {
  const base = s.webhdfs[0].replace(/^webhdfs:/, "http:").replace(/^swebhdfs:/, "https:").replace(
    /\/webhdfs\/v1.*$/,
    "",
  );
  const j =
    await (await fetch(`${base}/jmx?qry=Hadoop:service=NameNode,name=RpcDetailedActivityForPort*`))
      .json();
  let n = 0;
  for (const b of j.beans ?? []) n += (b.GetListingNumOps ?? 0) + (b.GetBatchedListingNumOps ?? 0);
  return n;
}
