import assert from "node:assert/strict";
import { encodePath, joinPath, parseWebHdfsUrl } from "./url.ts";

Deno.test("parseWebHdfsUrl() reads one or several NameNodes and the root", () => {
  assert.deepStrictEqual(parseWebHdfsUrl("webhdfs://nn1:9870/audit/raw/"), {
    bases: ["http://nn1:9870"],
    root: "/audit/raw",
    tls: false,
  });
  assert.deepStrictEqual(parseWebHdfsUrl("swebhdfs://nn1,nn2:50470"), {
    bases: ["https://nn1:9871", "https://nn2:50470"],
    root: "/",
    tls: true,
  });
  assert.deepStrictEqual(parseWebHdfsUrl("http://127.0.0.1:14000//a//b").root, "/a/b");
});

Deno.test("parseWebHdfsUrl() rejects other schemes, bad hosts and dot segments", () => {
  assert.throws(() => parseWebHdfsUrl("hdfs://nn:8020/x"), /Invalid WebHDFS URL "hdfs:/);
  assert.throws(() => parseWebHdfsUrl("webhdfs://nn:99999/x"), /bad port/);
  assert.throws(() => parseWebHdfsUrl("webhdfs://n n:1/x"), /bad host/);
  assert.throws(() => parseWebHdfsUrl("webhdfs://nn:1/a/../b"), /"\." or "\.\."/);
});

Deno.test("encodePath() escapes each segment, joinPath() normalises slashes", () => {
  assert.deepStrictEqual(
    encodePath("/dt=2026-11-27/host=a%2Fb/x y"),
    "/dt%3D2026-11-27/host%3Da%252Fb/x%20y",
  );
  assert.deepStrictEqual(joinPath("/root/", "/dt=1", "host=x/"), "/root/dt=1/host=x");
});
