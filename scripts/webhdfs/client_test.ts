/**
 * Protocol details that the real HDFS of the tests cannot show: a delegation
 * token (the test cluster is not secure, so it ignores tokens). A local
 * recorder stands in for the NameNode and DataNode here; the same paths run
 * against the real HDFS in tests/ship_hdfs_test.ts.
 */

import assert from "node:assert/strict";
import { WebHdfsClient } from "./client.ts";

Deno.test("WebHdfsClient sends the delegation token (not user.name) and follows the redirect as given", async () => {
  const seen: { path: string; query: URLSearchParams; bytes: number; type: string | null }[] = [];
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req): Promise<Response> => {
      const u = new URL(req.url);
      const bytes = req.body ? (await req.arrayBuffer()).byteLength : 0;
      seen.push({
        path: u.pathname,
        query: u.searchParams,
        bytes,
        type: req.headers.get("content-type"),
      });
      if (u.pathname.startsWith("/webhdfs/")) {
        // the NameNode puts the token into the DataNode URL itself
        const dn: string =
          `http://127.0.0.1:${server.addr.port}/dn${u.pathname}?op=CREATE&delegation=${
            u.searchParams.get("delegation")
          }&namenoderpcaddress=nn:8020`;
        return new Response(null, { status: 307, headers: { location: dn } });
      }
      return new Response(null, { status: 201 });
    },
  );
  try {
    const client = new WebHdfsClient({
      bases: [`http://127.0.0.1:${server.addr.port}`],
      user: "ignored-when-a-token-is-given",
      delegationToken: "HAAEcm9vdAAAigGTmfs-aA",
    });
    await client.create("/raw/a b", new Uint8Array(1000));
    assert.equal(seen.length, 2);
    assert.equal(seen[0].path, "/webhdfs/v1/raw/a%20b");
    assert.equal(seen[0].query.get("delegation"), "HAAEcm9vdAAAigGTmfs-aA");
    assert.equal(seen[0].query.has("user.name"), false);
    assert.equal(seen[0].query.get("overwrite"), "false");
    assert.equal(seen[0].bytes, 0, "no data to the NameNode");
    assert.equal(seen[1].path, "/dn/webhdfs/v1/raw/a%20b");
    assert.equal(seen[1].query.get("namenoderpcaddress"), "nn:8020");
    assert.equal(seen[1].bytes, 1000);
    assert.equal(seen[1].type, "application/octet-stream");
  } finally {
    await server.shutdown();
  }
});
