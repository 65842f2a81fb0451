/**
 * `webhdfs://nn1:9870,nn2:9870/root` (several NameNodes for HA),
 * `swebhdfs://...` (TLS), or plain `http://` / `https://` bases.
 *
 * @module
 */

/** A parsed WebHDFS target. */
export interface WebHdfsTarget {
  /** one base URL per NameNode (or gateway), e.g. "http://nn1:9870" */
  bases: string[];
  /** absolute HDFS path after the authority, "/" when none; no trailing "/" */
  root: string;
  /** https */
  tls: boolean;
}

/** Parses a target URL; throws a TypeError naming what is wrong. */
export function parseWebHdfsUrl(url: string): WebHdfsTarget {
  const m = /^(webhdfs|swebhdfs|http|https):\/\/([^/?#]+)(\/[^?#]*)?$/.exec(url);
  if (!m) {
    throw new TypeError(
      `Invalid WebHDFS URL "${url}": expected webhdfs://host:port[,host:port...]/path (or swebhdfs://)`,
    );
  }
  const tls = m[1] === "swebhdfs" || m[1] === "https";
  const scheme = tls ? "https" : "http";
  const bases = m[2].split(",").map((hp) => {
    const h = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(hp);
    if (!h) throw new TypeError(`Invalid WebHDFS URL "${url}": bad host "${hp}"`);
    const port = h[2] ? Number(h[2]) : tls ? 9871 : 9870;
    if (port < 1 || port > 65535) {
      throw new TypeError(`Invalid WebHDFS URL "${url}": bad port ${h[2]}`);
    }
    return `${scheme}://${h[1]}:${port}`;
  });
  let root = decodeURIComponent(m[3] ?? "/").replace(/\/+/g, "/");
  if (root.length > 1 && root.endsWith("/")) root = root.slice(0, -1);
  for (const seg of root.split("/")) {
    if (seg === "." || seg === "..") {
      throw new TypeError(`Invalid WebHDFS URL "${url}": "." or ".." in the path`);
    }
  }
  return { bases, root, tls };
}

/** Joins HDFS path parts with single slashes. */
export function joinPath(...parts: string[]): string {
  const p = parts.join("/").replace(/\/+/g, "/");
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

/** Percent-encodes each segment of an absolute HDFS path for a WebHDFS URL. */
export function encodePath(path: string): string {
  return path.split("/").map((s) => encodeURIComponent(s)).join("/");
}
