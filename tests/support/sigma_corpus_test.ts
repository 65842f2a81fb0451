import assert from "node:assert/strict";
import { offByOne, sigmaCorpus } from "./sigma_corpus.ts";

const rule = (id: string, detection: string, category = "process_creation") => ({
  file: `${id}.yml`,
  text: `title: t ${id}\nid: ${id}\nlogsource:\n    product: linux\n    category: ${category}\n` +
    `detection:\n${detection}`,
});

const SAMPLE = rule(
  "r1",
  `    sel_a:
        Image|endswith: ['/alpha', '/beta']
        CommandLine|contains|all: [' -x ', ' -y ']
    sel_b:
        ParentImage: '/usr/sbin/gamma'
    filter:
        CommandLine|contains: 'safe'
    condition: (sel_a and not filter) or sel_b
`,
);

Deno.test("sigmaCorpus() is deterministic", () => {
  const files = [SAMPLE, rule("r2", "    s:\n        Image|endswith: '/x'\n    condition: s\n")];
  const a = sigmaCorpus(files);
  const b = sigmaCorpus(files);
  assert.deepEqual(a.events, b.events);
  assert.deepEqual([...a.targets], [...b.targets]);
  assert.deepEqual([...a.nearMisses], [...b.nearMisses]);
});

Deno.test("sigmaCorpus() builds a positive per alternative and value, and near misses", () => {
  const c = sigmaCorpus([SAMPLE], { prefix: "t-" });
  const byId = new Map(c.events.map((e) => [e.exec_id, e.fields]));
  const pos = (c.targets.get("r1") ?? []).map((id) => byId.get(id)!);
  const miss = (c.nearMisses.get("r1") ?? []).map((id) => byId.get(id)!);
  const text = (v: unknown) => String(v ?? "");
  for (const img of ["/alpha", "/beta"]) {
    assert.ok(
      pos.some((f) =>
        text(f.Image).endsWith(img) && text(f.CommandLine).includes(" -x ") &&
        text(f.CommandLine).includes(" -y ") && !text(f.CommandLine).includes("safe")
      ),
      `a positive with Image ending ${img}`,
    );
  }
  assert.ok(pos.some((f) => f.ParentImage === "/usr/sbin/gamma"), "a positive of sel_b");
  assert.ok(pos.some((f) => text(f.Image).endsWith("/ALPHA")), "a case-swapped positive");
  assert.ok(pos.some((f) => text(f.CommandLine).includes("\udcff")), "a positive with a raw byte");
  assert.ok(miss.some((f) => text(f.CommandLine).includes("safe")), "the filter satisfied");
  assert.ok(
    miss.some((f) =>
      !/\/(alpha|beta)$/i.test(text(f.Image)) && text(f.CommandLine).includes(" -x ") &&
      text(f.CommandLine).includes(" -y ")
    ),
    "Image off by one",
  );
  const all = [...(c.targets.get("r1") ?? []), ...(c.nearMisses.get("r1") ?? [])];
  assert.ok(all.every((id) => id.startsWith("t-")));
  assert.equal(new Set(c.events.map((e) => e.exec_id)).size, c.events.length);
});

Deno.test("sigmaCorpus() treats a |re value as case-sensitive: the swapped case is a near miss", () => {
  const c = sigmaCorpus([
    rule("r3", "    s:\n        CommandLine|re: '\\s-D\\s'\n    condition: s\n"),
  ]);
  const byId = new Map(c.events.map((e) => [e.exec_id, e.fields]));
  const miss = (c.nearMisses.get("r3") ?? []).map((id) => String(byId.get(id)!.CommandLine));
  assert.ok(miss.some((cl) => cl.includes(" -d ")), JSON.stringify(miss));
  const pos = (c.targets.get("r3") ?? []).map((id) => String(byId.get(id)!.CommandLine));
  assert.ok(pos.length > 0 && pos.every((cl) => /\s-D\s/.test(cl)));
});

Deno.test("sigmaCorpus() reports the rules it cannot cover, with the reason", () => {
  const c = sigmaCorpus([
    rule("u1", "    s:\n        CommandLine|base64: 'x'\n    condition: s\n"),
    rule("u2", "    s:\n        TargetFilename: 'x'\n    condition: s\n", "file_event"),
    rule("u3", "    s:\n        Image: 'x'\n    condition: s and nope\n"),
  ]);
  assert.match(c.uncovered.get("u1") ?? "", /modifier base64/);
  assert.match(c.uncovered.get("u2") ?? "", /category "file_event"/);
  assert.match(c.uncovered.get("u3") ?? "", /unknown search identifier nope/);
  assert.equal(c.targets.size, 0);
});

Deno.test("offByOne() changes one letter or digit to another", () => {
  for (const s of ["/curl", "--data-", "0775", ">", "a z"]) {
    const t = offByOne(s);
    assert.equal(t.length, s.length);
    const diff = [...s].filter((c, i) => c !== t[i]);
    assert.equal(diff.length, 1, `${s} -> ${t}`);
    assert.notEqual(t.toLowerCase(), s.toLowerCase());
  }
});

Deno.test("sigmaCorpus() names a file in a directory a path must start with", () => {
  const c = sigmaCorpus([
    rule("d1", "    s:\n        Image|startswith: '/tmp/'\n    condition: s\n"),
  ]);
  const byId = new Map(c.events.map((e) => [e.exec_id, e.fields]));
  const pos = (c.targets.get("d1") ?? []).map((id) => String(byId.get(id)!.Image));
  assert.ok(pos.length > 0, "a positive");
  for (const p of pos) assert.match(p, /^\/tmp\/[^/]+$/i);
});
