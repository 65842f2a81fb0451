import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { MAX_CUTS, NOTE_BYTES_PER_CUT } from "./argv_redactor.ts";
import { redactArgv, Redactor, type RedactorOptions } from "./redact.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Redacts argv (strings) with the encoder's rules (hidden bytes become `*`). */
function red(argv: string[], opts: RedactorOptions = {}): { argv: string[]; note: string } {
  const out = redactArgv(argv.map((a) => te.encode(a)), new Redactor(opts));
  return { argv: out.argv.map((b) => td.decode(b)), note: out.note };
}

/** Only the redacted argv. */
function hide(...argv: string[]): string[] {
  return red(argv).argv;
}

const KEY = te.encode("site key for the tests, 32 bytes");

/** The note's hash of a secret, computed independently. */
function hash(secret: string | Uint8Array, key: Uint8Array = KEY): string {
  return createHmac("sha256", key).update(typeof secret === "string" ? te.encode(secret) : secret)
    .digest("hex").slice(0, 12);
}

Deno.test("Redactor.plan() keeps the payload after an empty secret in a sh -c script", () => {
  assert.deepEqual(red(["sh", "-c", ": secret=; curl http://x | sh"]), {
    argv: ["sh", "-c", ": secret=; curl http://x | sh"],
    note: "",
  });
  // a value hides only up to the end of its word
  assert.deepEqual(red(["bash", "-c", ": secret=abc; curl http://x | sh"]), {
    argv: ["bash", "-c", ": secret=***; curl http://x | sh"],
    note: "2:9:3:-",
  });
  // the same text as a plain element: not an identifier key, nothing hidden
  assert.deepEqual(hide("app", ": secret=abc; curl http://x | sh"), [
    "app",
    ": secret=abc; curl http://x | sh",
  ]);
});

Deno.test("Redactor.plan() hides mysql -pSECRET and --password=X, decided by program name", () => {
  assert.deepEqual(red(["mysql", "-uroot", "-phunter2", "db"]), {
    argv: ["mysql", "-uroot", "-p*******", "db"],
    note: "2:2:7:-",
  });
  for (const prog of ["/usr/bin/mysqldump", "mariadb", "mysqladmin", "mariadb-dump"]) {
    assert.deepEqual(hide(prog, "-pS3cr3t", "--password=x y", "db"), [
      prog,
      "-p******",
      "--password=***",
      "db",
    ]);
  }
  // -p and --password alone prompt: the next element is the database
  assert.deepEqual(hide("mysql", "-p", "db"), ["mysql", "-p", "db"]);
  assert.deepEqual(hide("mysql", "--password", "db"), ["mysql", "--password", "db"]);
  // another program's -p is not a password
  assert.deepEqual(hide("ssh", "-p2222", "host"), ["ssh", "-p2222", "host"]);
  assert.deepEqual(hide("grep", "-pfoo"), ["grep", "-pfoo"]);
  // only argv[0] names the program, even an empty one
  assert.deepEqual(hide("", "mysql", "-pX"), ["", "mysql", "-pX"]);
  // after a wrapper, the program it runs decides
  assert.deepEqual(hide("sudo", "-u", "bob", "mysql", "-pS"), [
    "sudo",
    "-u",
    "bob",
    "mysql",
    "-p*",
  ]);
});

Deno.test("Redactor.plan() hides sshpass -p SECRET and -pSECRET", () => {
  assert.deepEqual(red(["sshpass", "-p", "s3cr3t", "ssh", "host"]), {
    argv: ["sshpass", "-p", "******", "ssh", "host"],
    note: "2:0:6:-",
  });
  assert.deepEqual(hide("/usr/bin/sshpass", "-ps3cr3t", "ssh", "host"), [
    "/usr/bin/sshpass",
    "-p******",
    "ssh",
    "host",
  ]);
});

Deno.test("Redactor.plan() hides only the password of curl -u/--user user:pass", () => {
  assert.deepEqual(red(["curl", "-u", "bob:pa:ss", "--user=al:pw", "-ubob:x", "https://x"]), {
    argv: ["curl", "-u", "bob:*****", "--user=al:**", "-ubob:*", "https://x"],
    note: "2:4:5:-;3:10:2:-;4:6:1:-",
  });
  assert.deepEqual(hide("curl", "--user", "bob:pw", "--proxy-user", "p:q", "-U", "r:s"), [
    "curl",
    "--user",
    "bob:**",
    "--proxy-user",
    "p:*",
    "-U",
    "r:*",
  ]);
  // no colon: curl prompts, nothing to hide
  assert.deepEqual(hide("curl", "-u", "bob", "https://x"), ["curl", "-u", "bob", "https://x"]);
  // -u of another program is not a user:pass
  assert.deepEqual(hide("sudo", "-u", "bob:x", "id"), ["sudo", "-u", "bob:x", "id"]);
});

Deno.test("Redactor.plan() hides the credential of Authorization, API key and token headers", () => {
  assert.deepEqual(
    hide(
      "curl",
      "-H",
      "Authorization: Bearer abc.def",
      "-H",
      "authorization: Basic Ym9iOng=",
      "-H",
      "X-Api-Key: k1",
      "-H",
      "X-Auth-Token: t1",
      "--header=X-Vault-Token: v1",
      "-HProxy-Authorization: Digest x",
      "-H",
      "Accept: text/html",
      "-H",
      "Authorization: opaque",
    ),
    [
      "curl",
      "-H",
      "Authorization: Bearer *******",
      "-H",
      "authorization: Basic ********",
      "-H",
      "X-Api-Key: **",
      "-H",
      "X-Auth-Token: **",
      "--header=X-Vault-Token: **",
      "-HProxy-Authorization: Digest *",
      "-H",
      "Accept: text/html",
      "-H",
      "Authorization: ******",
    ],
  );
  // no space after the colon: only a dashed name is a header
  assert.deepEqual(hide("curl", "-H", "X-Api-Key:abc", "Token: t", "secret:path"), [
    "curl",
    "-H",
    "X-Api-Key:***",
    "Token: *",
    "secret:path",
  ]);
  // a header as a key's value
  assert.deepEqual(hide("git", "-c", "http.extraHeader=Authorization: Bearer t", "fetch"), [
    "git",
    "-c",
    "http.extraHeader=Authorization: Bearer *",
    "fetch",
  ]);
  // any program, e.g. wget's --header
  assert.deepEqual(hide("wget", "--header=Authorization: Bearer t", "u"), [
    "wget",
    "--header=Authorization: Bearer *",
    "u",
  ]);
});

Deno.test("Redactor.plan() hides AWS access key ids and secret keys", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  assert.deepEqual(hide("aws", "configure", "set", "aws_secret_access_key", secret), [
    "aws",
    "configure",
    "set",
    "aws_secret_access_key",
    "*".repeat(40),
  ]);
  assert.deepEqual(
    hide(
      "env",
      `AWS_SECRET_ACCESS_KEY=${secret}`,
      "id=AKIAIOSFODNN7EXAMPLE",
      "ASIAIOSFODNN7EXAMPLE",
    ),
    [
      "env",
      `AWS_SECRET_ACCESS_KEY=${"*".repeat(40)}`,
      `id=AKIA${"*".repeat(16)}`,
      `ASIA${"*".repeat(16)}`,
    ],
  );
  // not a key id: too long, inside a word, lowercase
  for (const w of ["AKIAIOSFODNN7EXAMPLEX", "XAKIAIOSFODNN7EXAMPLE", "AKIAiosfodnn7example"]) {
    assert.deepEqual(hide("echo", w), ["echo", w]);
  }
  // after the word, only a 40-char base64 string is taken
  assert.deepEqual(hide("aws", "configure", "set", "aws_secret_access_key", "short"), [
    "aws",
    "configure",
    "set",
    "aws_secret_access_key",
    "short",
  ]);
});

Deno.test("Redactor.plan() hides --pass X, --pw=X, -pw X and openssl pass:X", () => {
  assert.deepEqual(red(["tool", "--pass", "p1", "--pw=p2", "-pw", "p3", "-passin", "pass:p4"]), {
    argv: ["tool", "--pass", "**", "--pw=**", "-pw", "**", "-passin", "pass:**"],
    note: "2:0:2:-;3:5:2:-;5:0:2:-;7:5:2:-",
  });
  // words that merely start like one
  assert.deepEqual(hide("ftp", "--passive", "host", "-pwd", "x"), [
    "ftp",
    "--passive",
    "host",
    "-pwd",
    "x",
  ]);
});

Deno.test("Redactor.plan() hides URL passwords, with / and @ in them", () => {
  assert.deepEqual(
    red([
      "git",
      "clone",
      "https://user:pa/ss@host/path",
      "http://u:p@ss@h.com/a@b",
      "https://bob:s3cret@example.com/x?a=b",
      "redis://:pw@cache:6379/0",
    ]),
    {
      argv: [
        "git",
        "clone",
        "https://user:*****@host/path",
        "http://u:****@h.com/a@b",
        "https://bob:******@example.com/x?a=b",
        "redis://:**@cache:6379/0",
      ],
      note: "2:13:5:-;3:9:4:-;4:12:6:-;5:9:2:-",
    },
  );
  // query parameters naming a secret: the value only
  assert.deepEqual(
    hide("curl", "https://api/x?access_token=abc&page=2#f", "https://api/?tokens"),
    ["curl", "https://api/x?access_token=***&page=2#f", "https://api/?tokens"],
  );
  assert.deepEqual(hide("sh", "-c", "curl 'h/?a=1&apikey=k' &"), [
    "sh",
    "-c",
    "curl 'h/?a=1&apikey=*' &",
  ]);
  // a port then a path holding @, a colon in the path: no credentials
  for (const u of ["http://host:8080/a@b", "http://example.com/a:b@c", "ssh://git@host/x"]) {
    assert.deepEqual(hide("curl", u), ["curl", u]);
  }
});

Deno.test("Redactor.plan() hides key=value values when the key is an identifier naming a secret", () => {
  assert.deepEqual(
    hide("app", "PGPASSWORD=x", "--db-Password=a b", "api_key=k", "x.token=t", "--user=bob", "a=b"),
    ["app", "PGPASSWORD=*", "--db-Password=***", "api_key=*", "x.token=*", "--user=bob", "a=b"],
  );
  // the key is not an identifier, or the value is empty
  assert.deepEqual(hide("app", "a:password=x", "/token=abc/", "secret="), [
    "app",
    "a:password=x",
    "/token=abc/",
    "secret=",
  ]);
});

Deno.test("Redactor.plan() takes its words from the keys option", () => {
  assert.deepEqual(red(["app", "pin=1234", "password=x", "--pin", "9"], { keys: ["PIN"] }).argv, [
    "app",
    "pin=****",
    "password=x",
    "--pin",
    "*",
  ]);
  // a one-letter word works like any other
  assert.deepEqual(red(["app", "-x", "v", "y=1"], { keys: ["x"] }).argv, ["app", "-x", "*", "y=1"]);
  // no words: the fixed shapes stay
  assert.deepEqual(red(["mysql", "-pS", "password=x"], { keys: [] }).argv, [
    "mysql",
    "-p*",
    "password=x",
  ]);
});

Deno.test("Redactor.plan() hides the element after a secret flag, within one argv only", () => {
  assert.deepEqual(hide("cli", "--api-token", "abc123", "--name", "n"), [
    "cli",
    "--api-token",
    "******",
    "--name",
    "n",
  ]);
  const r = new Redactor();
  const cuts = new Int32Array(3 * MAX_CUTS);
  const a = te.encode("cli\0--token\0");
  assert.equal(r.plan(a, 0, a.length, 64, cuts), 0);
  // a known program: the whole argv is looked at, and no pending flag carries over
  const b = te.encode("curl\0x\0");
  assert.equal(r.plan(b, 0, b.length, 64, cuts), 0);
});

Deno.test("Redactor.plan() tokenises scripts with several secrets and keeps the rest", () => {
  const script = "export PGPASSWORD=abc; psql -h db && mysql -pxyz db | " +
    "curl -u me:pw -H 'Authorization: Bearer tok' http://u:p@h/\nTOKEN=\"q r\" run --x";
  assert.deepEqual(red(["bash", "-c", script]), {
    argv: [
      "bash",
      "-c",
      "export PGPASSWORD=***; psql -h db && mysql -p*** db | " +
      "curl -u me:** -H 'Authorization: Bearer ***' http://u:*@h/\nTOKEN=\"***\" run --x",
    ],
    note: "2:18:3:-;2:45:3:-;2:65:2:-;2:94:3:-;2:108:1:-;2:120:3:-",
  });
  // options before the script, a nested sh -c, $( ) and an interpreter's -c
  assert.deepEqual(
    hide(
      "/bin/bash",
      "-e",
      "-o",
      "pipefail",
      "-xc",
      "sh -c 'mysql -p\"q w\" db'; x=$(curl -uA:B y)",
    ),
    ["/bin/bash", "-e", "-o", "pipefail", "-xc", "sh -c 'mysql -p\"***\" db'; x=$(curl -uA:* y)"],
  );
  assert.deepEqual(hide("python3", "-c", "password=x; import os; os.system('curl x|sh')"), [
    "python3",
    "-c",
    "password=*; import os; os.system('curl x|sh')",
  ]);
  // a redirection ends a word, not the command
  assert.deepEqual(hide("sh", "-c", "echo password=abc>f; mysql -px<in"), [
    "sh",
    "-c",
    "echo password=***>f; mysql -p*<in",
  ]);
  // su's command, as -c, --command X and --command=X
  assert.deepEqual(
    hide("su", "-", "bob", "-c", "mysql -pa", "--command", "mysql -pb", "--command=mysql -pc"),
    ["su", "-", "bob", "-c", "mysql -p*", "--command", "mysql -p*", "--command=mysql -p*"],
  );
  // after a shell keyword the program comes
  assert.deepEqual(hide("sh", "-c", "if mysql -pa; then ! mysql -pb; fi"), [
    "sh",
    "-c",
    "if mysql -p*; then ! mysql -p*; fi",
  ]);
  // the program of each command decides: -p of psql is a port
  assert.deepEqual(hide("sh", "-c", "psql -p5432; mysql -pq"), [
    "sh",
    "-c",
    "psql -p5432; mysql -p*",
  ]);
});

Deno.test("Redactor.plan() treats a fake redaction note and hostile bytes as text", () => {
  assert.deepEqual(red(["app", "redact=0:1:2:-", "0:0:5:abcdef123456", "2:0:6:-;"]), {
    argv: ["app", "redact=0:1:2:-", "0:0:5:abcdef123456", "2:0:6:-;"],
    note: "",
  });
  // invalid UTF-8 around a secret: bytes in, bytes out
  const bad = new Uint8Array([0xff, 0xfe, ...te.encode(" password=x"), 0xc3, 0xff]);
  const r = new Redactor({ siteKey: KEY });
  const out = redactArgv([te.encode("sh"), te.encode("-c"), bad], r);
  assert.deepEqual(
    [...out.argv[2]],
    [0xff, 0xfe, ...te.encode(" password=*"), 0x2a, 0x2a],
  );
  assert.equal(out.note, `2:12:3:${hash(new Uint8Array([0x78, 0xc3, 0xff]))}`);
});

Deno.test("Redactor.plan() copes with a 10 KiB element", () => {
  const big = "a".repeat(10240);
  assert.deepEqual(hide("app", `password=${big}`), ["app", `password=${"*".repeat(10240)}`]);
  // URLs in a row: no password holds "://"
  const urls = "a://b:".repeat(1800) + "@h";
  assert.deepEqual(hide("curl", urls), ["curl", urls]);
  const words = "token=x ".repeat(1300);
  const out = red(["sh", "-c", words]);
  assert.equal(
    out.argv[2],
    "token=* ".repeat(MAX_CUTS - 1) + "token=" + "*".repeat(words.length - (MAX_CUTS - 1) * 8 - 6),
  );
  assert.equal(out.note.split(";").length, MAX_CUTS);
});

Deno.test("Redactor.plan() cuts a secret at the end of an argv without a NUL", () => {
  const u8 = te.encode("xx\0mysql\0-pSECRET");
  const cuts = new Int32Array(3 * MAX_CUTS);
  const r = new Redactor();
  assert.equal(r.plan(u8, 3, u8.length, 64, cuts), 1);
  assert.deepEqual([...cuts.subarray(0, 3)], [1, 11, 17]);
  const b = new Uint8Array(NOTE_BYTES_PER_CUT);
  assert.equal(td.decode(b.subarray(0, r.note(u8, cuts, 1, b, 0))), "1:2:6:-");
  // a secret flag as the last element: nothing follows, nothing is cut
  const v = te.encode("cli\0--token");
  assert.equal(r.plan(v, 0, v.length, 64, cuts), 0);
});

Deno.test("Redactor.plan() plans at most maxArgs elements and hides the rest past the last cut", () => {
  const argv = ["app", ...Array.from({ length: 127 }, (_, i) => `token=${i}`)];
  const u8 = te.encode(argv.join("\0") + "\0");
  const cuts = new Int32Array(3 * MAX_CUTS);
  const r = new Redactor();
  // only 3 elements planned
  assert.equal(r.plan(u8, 0, u8.length, 3, cuts), 2);
  assert.deepEqual([...cuts.subarray(0, 6)], [1, 10, 11, 2, 18, 19]);
  // 127 secrets, 64 cuts: the 64th runs to the end of the argv, across elements
  assert.equal(r.plan(u8, 0, u8.length, 128, cuts), MAX_CUTS);
  const last = 3 * (MAX_CUTS - 1);
  assert.equal(cuts[last], MAX_CUTS);
  assert.equal(td.decode(u8.subarray(cuts[last + 1] - 6, cuts[last + 1])), "token=");
  assert.equal(cuts[last + 2], u8.length - 1);
  const out = red(argv);
  assert.equal(out.argv[127], "*********");
  assert.equal(out.argv[64], "token=**");
  // a cuts array with room for 2 cuts
  assert.equal(r.plan(u8, 0, u8.length, 128, new Int32Array(6)), 2);
});

Deno.test("Redactor.plan() finds nothing in ordinary argv and leaves the cuts alone", () => {
  const r = new Redactor();
  const cuts = new Int32Array(3 * MAX_CUTS).fill(-7);
  for (
    const argv of [
      ["/usr/bin/ls", "-la", "/tmp"],
      ["git", "log", "--color=auto", "-p", "HEAD~1:a.txt"],
      ["make", "-j4", "CC=gcc", "user@host"],
      ["sh", "-c", "ls /tmp | wc -l"],
      ["curl", "-H", "Accept: */*", "https://example.com/a@b"],
    ]
  ) {
    const u8 = te.encode(argv.join("\0") + "\0");
    assert.equal(r.plan(u8, 0, u8.length, 64, cuts), 0, argv.join(" "));
  }
  assert.ok(cuts.every((v) => v === -7));
});

Deno.test("Redactor.note() hashes secrets with the site key: equal secrets, equal hashes", () => {
  const argv = ["curl", "-u", "a:hunter2", "--user=b:hunter2", "-ubob:other"];
  const one = red(argv, { siteKey: KEY });
  assert.equal(
    one.note,
    `2:2:7:${hash("hunter2")};3:9:7:${hash("hunter2")};4:6:5:${hash("other")}`,
  );
  const [h1, h2, h3] = one.note.split(";").map((c) => c.split(":")[3]);
  assert.equal(h1, h2);
  assert.notEqual(h1, h3);
  assert.match(h1, /^[0-9a-f]{12}$/);
  // another site, another hash of the same secret
  const other = red(argv, { siteKey: te.encode("another site key, also 32 bytes!") });
  assert.notEqual(other.note.split(";")[0].split(":")[3], h1);
  // no key: "-"
  assert.equal(red(argv, { siteKey: null }).note, "2:2:7:-;3:9:7:-;4:6:5:-");
  assert.equal(red(argv).note, "2:2:7:-;3:9:7:-;4:6:5:-");
});
