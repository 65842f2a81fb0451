import assert from "node:assert/strict";
import { parsePasswd, userName } from "./users.ts";

Deno.test("parsePasswd() maps uids to the first name, skips comments and junk", () => {
  const names = parsePasswd(
    "# local\nroot:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n\njunk\n" +
      "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
  );
  assert.equal(names.get(0), "root");
  assert.equal(names.get(33), "www-data");
  assert.equal(names.size, 2);
});

Deno.test("parsePasswd() names the source when nothing is a passwd entry", () => {
  assert.throws(() => parsePasswd("hello\nworld\n", "/tmp/p"), /\/tmp\/p: no passwd entries/);
});

Deno.test("userName() gives the name, else the uid as text, null for no uid", () => {
  const names = parsePasswd("root:x:0:0:root:/root:/bin/bash\n");
  assert.equal(userName(0, names), "root");
  assert.equal(userName(1000, names), "1000");
  assert.equal(userName(1000), "1000");
  assert.equal(userName(null, names), null);
});
