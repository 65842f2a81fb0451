/**
 * Errors of the WebHDFS client. A NameNode's or DataNode's `RemoteException`
 * JSON becomes an {@link HdfsRemoteError} subclass chosen by its Java
 * exception; a request that reached no server becomes
 * {@link HdfsUnavailableError}. Messages are one line and name the operation,
 * the path and what the server said:
 * `Cannot create "/raw/x": namenode returned 403 AccessControlException: Permission denied: ...`.
 *
 * @module
 */

/** What a `RemoteException` body carries. */
export interface RemoteException {
  /** short Java class name, e.g. "FileNotFoundException" */
  exception: string;
  javaClassName?: string;
  message?: string;
}

/** Base class: an HDFS operation failed. */
export class HdfsError extends Error {
  /** WebHDFS operation, e.g. "CREATE" */
  readonly op: string;
  /** HDFS path the operation was about */
  readonly path: string;
  constructor(op: string, path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HdfsError";
    this.op = op;
    this.path = path;
  }
  /** true when trying again later (or on another NameNode) can succeed */
  get transient(): boolean {
    return false;
  }
}

/** The server answered with an error status (a `RemoteException` or not). */
export class HdfsRemoteError extends HdfsError {
  /** HTTP status */
  readonly status: number;
  /** Java exception's short name, "" when the body was not a RemoteException */
  readonly exception: string;
  /** "namenode", "datanode" or "gateway" */
  readonly server: string;
  constructor(
    op: string,
    path: string,
    status: number,
    remote: RemoteException | undefined,
    server: string,
    bodyText = "",
  ) {
    const what = remote
      ? `${remote.exception}${remote.message ? `: ${oneLine(remote.message)}` : ""}`
      : oneLine(bodyText).slice(0, 200) || "no details";
    super(op, path, `${cannot(op, path)}: ${server} returned ${status} ${what}`);
    this.name = "HdfsRemoteError";
    this.status = status;
    this.exception = remote?.exception ?? "";
    this.server = server;
  }
  override get transient(): boolean {
    if (PERMANENT_EXCEPTIONS.has(this.exception)) return false;
    // HttpFS answers 500 for most errors: a 5xx alone is not proof of a passing fault
    return this.status >= 500 || TRANSIENT_EXCEPTIONS.has(this.exception);
  }
}

/** The path does not exist (404, FileNotFoundException). */
export class HdfsNotFoundError extends HdfsRemoteError {
  override name = "HdfsNotFoundError";
  override get transient(): boolean {
    return false;
  }
}

/** Permission denied (AccessControlException, SecurityException, 401/403 without a standby). */
export class HdfsPermissionError extends HdfsRemoteError {
  override name = "HdfsPermissionError";
  override get transient(): boolean {
    return false;
  }
}

/** The path exists already (FileAlreadyExistsException). */
export class HdfsAlreadyExistsError extends HdfsRemoteError {
  override name = "HdfsAlreadyExistsError";
  override get transient(): boolean {
    return false;
  }
}

/** The NameNode is a standby (HA): ask the other one. */
export class HdfsStandbyError extends HdfsRemoteError {
  override name = "HdfsStandbyError";
  override get transient(): boolean {
    return true;
  }
}

/** No NameNode (or DataNode) could be reached at all. */
export class HdfsUnavailableError extends HdfsError {
  override name = "HdfsUnavailableError";
  override get transient(): boolean {
    return true;
  }
}

/** The data stored differs from the data sent (length or checksum). */
export class HdfsVerifyError extends HdfsError {
  override name = "HdfsVerifyError";
  override get transient(): boolean {
    return true;
  }
}

const PERMANENT_EXCEPTIONS = new Set([
  "PathIsNotEmptyDirectoryException",
  "ParentNotDirectoryException",
  "IllegalArgumentException",
  "UnsupportedOperationException",
  "InvalidPathException",
  "HadoopIllegalArgumentException",
  "DSQuotaExceededException",
  "NSQuotaExceededException",
  "QuotaExceededException",
  "FileAlreadyExistsException",
  "AccessControlException",
]);

const TRANSIENT_EXCEPTIONS = new Set([
  "StandbyException",
  "RetriableException",
  "SafeModeException",
  "ObserverRetryOnActiveException",
  "ConnectException",
  "SocketTimeoutException",
  "EOFException",
  "NotReplicatedYetException",
  "LeaseExpiredException",
]);

/** Chooses the error class for a failed response. */
export function remoteError(
  op: string,
  path: string,
  status: number,
  remote: RemoteException | undefined,
  server: string,
  bodyText = "",
): HdfsRemoteError {
  const ex = remote?.exception ?? "";
  let cls: typeof HdfsRemoteError = HdfsRemoteError;
  if (ex === "StandbyException") cls = HdfsStandbyError;
  else if (ex === "FileNotFoundException" || (status === 404 && !ex)) cls = HdfsNotFoundError;
  else if (ex === "FileAlreadyExistsException") cls = HdfsAlreadyExistsError;
  else if (
    ex === "AccessControlException" || ex === "SecurityException" ||
    ex === "AuthorizationException" || ((status === 401 || status === 403) && !ex)
  ) cls = HdfsPermissionError;
  return new cls(op, path, status, remote, server, bodyText);
}

/** Parses a RemoteException body, undefined when it is not one. */
export function parseRemoteException(text: string): RemoteException | undefined {
  try {
    const j = JSON.parse(text);
    const r = j?.RemoteException;
    if (r && typeof r.exception === "string") return r as RemoteException;
  } catch {
    // not JSON
  }
  return undefined;
}

/** A short description of a network failure: "connection refused", "timed out", ... */
export function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return "timed out";
  const parts: string[] = [];
  for (let c: unknown = err; c && parts.length < 4; c = (c as { cause?: unknown }).cause) {
    const m = (c as Error).message;
    if (m) parts.push(m);
  }
  const text = parts.join(": ");
  if (/refused/i.test(text)) return "connection refused";
  if (/reset/i.test(text)) return "connection reset";
  if (/certificate|tls|ssl/i.test(text)) return `TLS error: ${oneLine(text).slice(0, 160)}`;
  if (/dns|lookup|resolve|name or service/i.test(text)) return "host not found";
  return oneLine(text).slice(0, 200) || "network error";
}

function oneLine(s: string): string {
  // Hadoop messages may carry a stack trace or several lines
  return s.split("\n")[0].replace(/\s+/g, " ").trim();
}

/** The start of every error message: `Cannot create "/raw/x"`. */
export function cannot(op: string, path: string): string {
  return `Cannot ${verb(op)} "${path}"`;
}

function verb(op: string): string {
  switch (op) {
    case "CREATE":
      return "create";
    case "MKDIRS":
      return "create directory";
    case "RENAME":
      return "rename";
    case "DELETE":
      return "delete";
    case "OPEN":
      return "read";
    case "GETFILESTATUS":
      return "stat";
    case "LISTSTATUS":
      return "list";
    case "SETXATTR":
      return "set xattr on";
    case "GETXATTRS":
      return "read xattrs of";
    case "GETFILECHECKSUM":
      return "checksum";
    default:
      return op.toLowerCase();
  }
}
