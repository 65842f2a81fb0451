/**
 * A typed WebHDFS client on `fetch`: the real REST protocol of the NameNode
 * (two-step CREATE following the 307 to a DataNode), HttpFS gateways (data
 * through the gateway), several NameNodes with failover on StandbyException
 * and on connection errors, `user.name` or a delegation token, TLS with a
 * custom CA.
 *
 * @module
 */

import {
  cannot,
  describeNetworkError,
  HdfsError,
  HdfsNotFoundError,
  HdfsRemoteError,
  HdfsStandbyError,
  HdfsUnavailableError,
  parseRemoteException,
  remoteError,
} from "./errors.ts";
import { encodePath } from "./url.ts";

/** Options of {@link WebHdfsClient}. */
export interface WebHdfsOptions {
  /** NameNode (or gateway) base URLs such as "http://nn1:9870"; tried in order, the last active one first */
  bases: string[];
  /** simple authentication: sent as `user.name`. @default undefined (the server's default user) */
  user?: string;
  /** a delegation token (sent as `delegation`, instead of `user.name`). @default undefined */
  delegationToken?: string;
  /** PEM CA certificates trusted for https (swebhdfs). @default the system's */
  caCerts?: string[];
  /** an HttpFS-like gateway: CREATE sends the data to the gateway in one request. @default false */
  gateway?: boolean;
  /** timeout of one metadata request, ms. @default 30000 */
  timeoutMs?: number;
  /** a data transfer that moves no byte for this long is aborted, ms. @default 120000 */
  idleTimeoutMs?: number;
  /** rounds over all NameNodes before a request gives up. @default 3 */
  retries?: number;
  /** first pause between rounds, ms; doubles each round, with full jitter. @default 1000 */
  backoffMs?: number;
  /** longest pause between rounds, ms. @default 30000 */
  maxBackoffMs?: number;
}

/** `FileStatus` of WebHDFS. */
export interface FileStatus {
  pathSuffix: string;
  type: "FILE" | "DIRECTORY" | "SYMLINK";
  length: number;
  owner: string;
  group: string;
  permission: string;
  modificationTime: number;
  blockSize: number;
  replication: number;
}

/** `FileChecksum` of WebHDFS (GETFILECHECKSUM). */
export interface FileChecksum {
  /** e.g. "MD5-of-0MD5-of-512CRC32C" */
  algorithm: string;
  /** hex */
  bytes: string;
  length: number;
}

/** Options of {@link WebHdfsClient.create}. */
export interface CreateOptions {
  /** replace an existing file. @default false */
  overwrite?: boolean;
  /** octal permission. @default "644" (the server's umask applies) */
  permission?: string;
  /** replication factor. @default the server's */
  replication?: number;
  /** block size in bytes. @default the server's */
  blockSize?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

/** WebHDFS over fetch. Metadata requests fail over and retry; data transfers are tried once. */
export class WebHdfsClient {
  readonly #o: Required<Omit<WebHdfsOptions, "user" | "delegationToken" | "caCerts">> & {
    user?: string;
    delegationToken?: string;
  };
  readonly #http?: Deno.HttpClient;
  /** index of the base that answered last as active */
  #active = 0;

  constructor(options: WebHdfsOptions) {
    if (!options.bases.length) throw new TypeError("WebHdfsClient needs at least one base URL");
    this.#o = {
      bases: options.bases.map((b) => b.replace(/\/+$/, "")),
      user: options.user,
      delegationToken: options.delegationToken,
      gateway: options.gateway ?? false,
      timeoutMs: options.timeoutMs ?? 30_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 120_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
    };
    if (options.caCerts?.length) this.#http = Deno.createHttpClient({ caCerts: options.caCerts });
  }

  /** Releases the TLS client, if any. */
  close(): void {
    this.#http?.close();
  }

  /** The base URL that answered last as the active NameNode. */
  get activeBase(): string {
    return this.#o.bases[this.#active];
  }

  /** GETFILESTATUS; null when the path does not exist. */
  async getFileStatus(path: string): Promise<FileStatus | null> {
    try {
      const j = await this.#json("GET", "GETFILESTATUS", path);
      return j.FileStatus as FileStatus;
    } catch (e) {
      if (e instanceof HdfsNotFoundError) return null;
      throw e;
    }
  }

  /** LISTSTATUS of a directory (a file lists itself). */
  async listStatus(path: string): Promise<FileStatus[]> {
    const j = await this.#json("GET", "LISTSTATUS", path);
    return (j.FileStatuses?.FileStatus ?? []) as FileStatus[];
  }

  /** MKDIRS (with parents); true when the directory exists afterwards. */
  async mkdirs(path: string, permission?: string): Promise<boolean> {
    const j = await this.#json("PUT", "MKDIRS", path, { permission });
    return j.boolean === true;
  }

  /**
   * RENAME; false when HDFS refused (the destination exists or the source is
   * missing). Never overwrites the destination.
   */
  async rename(src: string, dst: string): Promise<boolean> {
    const j = await this.#json("PUT", "RENAME", src, { destination: dst });
    return j.boolean === true;
  }

  /** DELETE; false when there was nothing to delete. */
  async delete(path: string, recursive = false): Promise<boolean> {
    const j = await this.#json("DELETE", "DELETE", path, { recursive });
    return j.boolean === true;
  }

  /** SETXATTR (name with its namespace, e.g. "user.sha256"); creates or replaces. */
  async setXAttr(path: string, name: string, value: string): Promise<void> {
    await this.#json("PUT", "SETXATTR", path, {
      "xattr.name": name,
      // a text value is sent in double quotes (XAttrCodec)
      "xattr.value": `"${value}"`,
      flag: "CREATE,REPLACE",
    });
  }

  /** GETXATTRS: every xattr the caller may read, values as text. */
  async getXAttrs(path: string): Promise<Record<string, string>> {
    const j = await this.#json("GET", "GETXATTRS", path, { encoding: "TEXT" });
    const out: Record<string, string> = {};
    for (const x of (j.XAttrs ?? []) as { name: string; value: string | null }[]) {
      let v = x.value ?? "";
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      out[x.name] = v;
    }
    return out;
  }

  /** GETFILECHECKSUM (computed by the DataNodes from the stored data). */
  async getFileChecksum(path: string): Promise<FileChecksum> {
    const res = await this.#follow("GETFILECHECKSUM", path);
    const j = await this.#readJson(res, "GETFILECHECKSUM", path, "datanode");
    return j.FileChecksum as FileChecksum;
  }

  /** OPEN: the file's bytes as a stream (read from a DataNode). */
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#follow("OPEN", path);
    if (!res.body) return new ReadableStream({ start: (c) => c.close() });
    return res.body;
  }

  /** OPEN, whole file in memory (small files, tests). */
  async readAll(path: string): Promise<Uint8Array> {
    const res = await this.#follow("OPEN", path);
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * CREATE: asks the NameNode where to write (307 to a DataNode) and streams
   * `body` there; with a gateway, sends the data to the gateway directly. The
   * data step is tried once (a stream cannot be replayed): callers retry the
   * whole upload.
   */
  async create(
    path: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
    options: CreateOptions = {},
  ): Promise<void> {
    const q: Query = {
      overwrite: options.overwrite ?? false,
      permission: options.permission,
      replication: options.replication,
      blocksize: options.blockSize,
    };
    let target: string;
    let server: string;
    if (this.#o.gateway) {
      target = this.#url(this.#o.bases[this.#active], "CREATE", path, { ...q, data: true });
      server = "gateway";
    } else {
      if (this.#o.bases.length > 1) {
        // a standby NameNode still answers CREATE with a redirect (the DataNode
        // then fails with StandbyException after taking the data): with HA, find
        // the active one first with a cheap read that a standby refuses
        await this.#request("GET", "GETFILESTATUS", parentOf(path)).then((r) => r.body?.cancel())
          .catch((e) => {
            if (!(e instanceof HdfsNotFoundError)) throw e;
          });
      }
      const res = await this.#request("PUT", "CREATE", path, q, "manual");
      const loc = res.headers.get("location");
      await res.body?.cancel();
      if (res.status !== 307 || !loc) {
        throw new HdfsRemoteError("CREATE", path, res.status, undefined, "namenode", "no redirect");
      }
      target = loc;
      // an HttpFS gateway redirects to itself with data=true
      server = this.#o.bases.some((b) => loc.startsWith(b + "/")) ? "gateway" : "datanode";
    }
    await this.#upload(target, path, body, server);
  }

  // -- internals ------------------------------------------------------------

  #url(base: string, op: string, path: string, q: Query = {}): string {
    const params = new URLSearchParams({ op });
    if (this.#o.delegationToken) params.set("delegation", this.#o.delegationToken);
    else if (this.#o.user !== undefined) params.set("user.name", this.#o.user);
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    return `${base}/webhdfs/v1${encodePath(path)}?${params}`;
  }

  #fetch(url: string, init: RequestInit): Promise<Response> {
    return fetch(url, this.#http ? { ...init, client: this.#http } as RequestInit : init);
  }

  /**
   * One metadata request, with failover over the bases and retry rounds with
   * backoff. Returns a 2xx (or a 307 with redirect "manual") response.
   */
  async #request(
    method: string,
    op: string,
    path: string,
    q: Query = {},
    redirect: RequestRedirect = "manual",
  ): Promise<Response> {
    const n = this.#o.bases.length;
    const why: string[] = [];
    let last: HdfsError | undefined;
    for (let round = 0; round <= this.#o.retries; round++) {
      if (round > 0) await sleep(backoff(round - 1, this.#o.backoffMs, this.#o.maxBackoffMs));
      why.length = 0;
      for (let k = 0; k < n; k++) {
        const i = (this.#active + k) % n;
        const base = this.#o.bases[i];
        let res: Response;
        try {
          res = await this.#fetch(this.#url(base, op, path, q), {
            method,
            redirect,
            signal: AbortSignal.timeout(this.#o.timeoutMs),
          });
        } catch (e) {
          why.push(`${hostOf(base)}: ${describeNetworkError(e)}`);
          continue;
        }
        if (res.ok || res.status === 307) {
          this.#active = i;
          return res;
        }
        const text = await res.text().catch(() => "");
        const err = remoteError(
          op,
          path,
          res.status,
          parseRemoteException(text),
          this.#server(),
          text,
        );
        if (err instanceof HdfsStandbyError) {
          why.push(`${hostOf(base)}: standby`);
          continue;
        }
        this.#active = i;
        if (!err.transient) throw err;
        last = err;
        why.push(`${hostOf(base)}: ${err.status} ${err.exception || "error"}`);
      }
    }
    throw new HdfsUnavailableError(
      op,
      path,
      `${cannot(op, path)}: no active namenode after ${this.#o.retries + 1} rounds (${
        why.join("; ")
      })`,
      { cause: last },
    );
  }

  #server(): string {
    return this.#o.gateway ? "gateway" : "namenode";
  }

  async #json(method: string, op: string, path: string, q: Query = {}) {
    const res = await this.#request(method, op, path, q);
    return await this.#readJson(res, op, path, this.#server());
  }

  // deno-lint-ignore no-explicit-any
  async #readJson(res: Response, op: string, path: string, server: string): Promise<any> {
    const text = await res.text();
    if (!res.ok) {
      throw remoteError(op, path, res.status, parseRemoteException(text), server, text);
    }
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new HdfsRemoteError(op, path, res.status, undefined, server, `bad JSON: ${text}`);
    }
  }

  /** A GET the NameNode redirects to a DataNode (OPEN, GETFILECHECKSUM). */
  async #follow(op: string, path: string): Promise<Response> {
    let res = await this.#request("GET", op, path, {}, "manual");
    let server = this.#server();
    for (let hops = 0; res.status === 307; hops++) {
      const loc = res.headers.get("location");
      await res.body?.cancel();
      if (!loc || hops > 3) {
        throw new HdfsRemoteError(op, path, 307, undefined, server, "bad redirect");
      }
      server = "datanode";
      try {
        res = await this.#fetch(loc, {
          method: "GET",
          redirect: "manual",
          signal: op === "OPEN" ? undefined : AbortSignal.timeout(this.#o.timeoutMs),
        });
      } catch (e) {
        throw new HdfsUnavailableError(
          op,
          path,
          `${cannot(op, path)}: ${server} ${hostOf(loc)} ${describeNetworkError(e)}`,
          { cause: e },
        );
      }
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw remoteError(op, path, res.status, parseRemoteException(text), server, text);
    }
    return res;
  }

  /** The data step of CREATE, with an idle watchdog. */
  async #upload(
    target: string,
    path: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
    server: string,
  ): Promise<void> {
    const abort = new AbortController();
    let lastMove = Date.now();
    let stream: ReadableStream<Uint8Array> | Uint8Array = body;
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          const r = await reader.read();
          lastMove = Date.now();
          if (r.done) c.close();
          else c.enqueue(r.value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      }, { highWaterMark: 0 });
    }
    const idle = this.#o.idleTimeoutMs;
    const watchdog = setInterval(() => {
      if (Date.now() - lastMove > idle) abort.abort(new DOMException("idle", "TimeoutError"));
    }, Math.min(1000, idle));
    let res: Response;
    try {
      res = await this.#fetch(target, {
        method: "PUT",
        body: stream,
        headers: { "content-type": "application/octet-stream" },
        redirect: "manual",
        signal: abort.signal,
        // a streamed request body
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (e) {
      const reason = abort.signal.aborted
        ? `no progress for ${idle / 1000} s`
        : describeNetworkError(e);
      throw new HdfsUnavailableError(
        "CREATE",
        path,
        `${cannot("CREATE", path)}: ${server} ${hostOf(target)} ${reason}`,
        { cause: e },
      );
    } finally {
      clearInterval(watchdog);
    }
    const text = await res.text().catch(() => "");
    if (res.status !== 201 && res.status !== 200) {
      throw remoteError("CREATE", path, res.status, parseRemoteException(text), server, text);
    }
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Full-jitter exponential backoff: random in [0, min(cap, base * 2^n)]. */
export function backoff(n: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
