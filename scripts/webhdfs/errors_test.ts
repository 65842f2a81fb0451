import assert from "node:assert/strict";
import {
  HdfsAlreadyExistsError,
  HdfsNotFoundError,
  HdfsPermissionError,
  HdfsStandbyError,
  parseRemoteException,
  remoteError,
} from "./errors.ts";

const body = (exception: string, message: string) =>
  JSON.stringify({ RemoteException: { exception, javaClassName: `x.${exception}`, message } });

Deno.test("remoteError() types RemoteExceptions and names op, path and status", () => {
  const denied = remoteError(
    "CREATE",
    "/raw/x",
    403,
    parseRemoteException(body("AccessControlException", "Permission denied: user=bob\n\tat x")),
    "namenode",
  );
  assert.deepStrictEqual(denied instanceof HdfsPermissionError, true);
  assert.deepStrictEqual(
    denied.message,
    'Cannot create "/raw/x": namenode returned 403 AccessControlException: Permission denied: user=bob',
  );
  assert.deepStrictEqual(denied.transient, false);
  const standby = remoteError(
    "MKDIRS",
    "/a",
    403,
    parseRemoteException(body("StandbyException", "s")),
    "namenode",
  );
  assert.deepStrictEqual(standby instanceof HdfsStandbyError && standby.transient, true);
  const nf = remoteError(
    "GETFILESTATUS",
    "/a",
    404,
    parseRemoteException(body("FileNotFoundException", "no")),
    "namenode",
  );
  assert.deepStrictEqual(nf instanceof HdfsNotFoundError, true);
  const ex = remoteError(
    "CREATE",
    "/a",
    403,
    parseRemoteException(body("FileAlreadyExistsException", "e")),
    "namenode",
  );
  assert.deepStrictEqual(ex instanceof HdfsAlreadyExistsError, true);
  const safe = remoteError(
    "CREATE",
    "/a",
    403,
    parseRemoteException(body("SafeModeException", "e")),
    "namenode",
  );
  assert.deepStrictEqual(safe.transient, true);
  const html = remoteError("OPEN", "/a", 502, undefined, "gateway", "<html>Bad gateway</html>");
  assert.deepStrictEqual(
    html.message,
    'Cannot read "/a": gateway returned 502 <html>Bad gateway</html>',
  );
  assert.deepStrictEqual(html.transient, true);
  // HttpFS sends 500 for permanent errors too
  const full = remoteError(
    "DELETE",
    "/d",
    500,
    parseRemoteException(body("PathIsNotEmptyDirectoryException", "/d is non empty")),
    "gateway",
  );
  assert.deepStrictEqual(full.transient, false);
  const eof = remoteError(
    "MKDIRS",
    "/d",
    500,
    parseRemoteException(body("EOFException", "x")),
    "gateway",
  );
  assert.deepStrictEqual(eof.transient, true);
});
