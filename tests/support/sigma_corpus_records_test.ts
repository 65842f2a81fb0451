import assert from "node:assert/strict";
import { type CorpusEvent, sigmaCorpus } from "./sigma_corpus.ts";
import { corpusRecords, RECORD_FIELDS, relativeTo, skipReason } from "./sigma_corpus_records.ts";
import { readRuleDir, SIGMAHQ_PROCESS_CREATION } from "./shared_sigma.ts";
import { decodeLine, execId } from "../../scripts/logformat/mod.ts";
import { commandLine, type ExecRecord } from "../../jobs/events.ts";
import { nodeOf } from "../../jobs/lineage/chain.ts";
import { parsePasswd } from "../../jobs/process/users.ts";
import { processCreationEvent } from "../../jobs/sigma.ts";

const event = (
  exec_id: string,
  fields: Record<string, string | number | null | undefined>,
): CorpusEvent => {
  const out: Record<string, string | number | null> = {};
  const all = {
    Image: "/usr/bin/id",
    CommandLine: "id -u",
    User: "root",
    ProcessId: 200,
    ParentProcessId: 100,
    ...fields,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) out[k] = v;
  return { exec_id, fields: out, about: exec_id };
};

/** The Sigma fields the job sees for each represented event (decoded lines, own parent). */
function jobFields(
  events: readonly CorpusEvent[],
): { fields: Map<string, Record<string, unknown>>; failed: string[] } {
  const recs = corpusRecords(events);
  const users = parsePasswd(recs.passwd);
  const byId = new Map<string, ExecRecord>();
  recs.lines.forEach((l, i) => {
    const r = decodeLine(l);
    assert.equal(r.type, "exec", `line ${i + 1} decodes: ${JSON.stringify(r)}`);
    const rec = { ...r, host: recs.host, file: "x.log", line: i + 1 } as ExecRecord;
    const id = execId(rec);
    assert(!byId.has(id), `exec id ${id} is unique`);
    byId.set(id, rec);
  });
  const fields = new Map<string, Record<string, unknown>>();
  const failed: string[] = [];
  for (const [corpusId, id] of recs.execIds) {
    const r = byId.get(id)!;
    const p = byId.get(nodeOf(r, "").parent_exec_id ?? "");
    const ev = processCreationEvent(r, p ? nodeOf(p, commandLine(p.argv)) : undefined, users);
    if (ev.Failed !== false) failed.push(corpusId);
    const seen: Record<string, unknown> = {};
    for (const k of RECORD_FIELDS) if (ev[k] !== undefined) seen[k] = ev[k];
    fields.set(corpusId, seen);
  }
  return { fields, failed };
}

Deno.test("relativeTo() names the image from the cwd", () => {
  assert.equal(relativeTo("/home/u/bin/x", "/home/u"), "./bin/x");
  assert.equal(relativeTo("/opt/x", "/home/u"), "../../opt/x");
  assert.equal(relativeTo("/home/v/x", "/home/u"), "../v/x");
  assert.equal(relativeTo("/x", "/"), "./x");
  assert.equal(relativeTo("/home/u", "/home/u"), ".");
  assert.equal(relativeTo("/home", "/home/u"), "../");
});

Deno.test("skipReason() names events no exec record carries", () => {
  assert.equal(skipReason(event("a", {})), null);
  const cases: [Record<string, string | number | null | undefined>, RegExp][] = [
    [{ Image: undefined }, /^Image absent/],
    [{ Image: null }, /^Image is null/],
    [{ Image: "bin/x" }, /^Image relative without CurrentDirectory/],
    [{ Image: "bin/x", CurrentDirectory: "/tmp" }, /^Image is not a normalised/],
    [{ Image: "/usr//bin/x" }, /^Image is not a normalised/],
    [{ CommandLine: undefined }, /^CommandLine absent/],
    [{ CommandLine: "a\0b" }, /NUL/],
    [{ CurrentDirectory: "/tmp/" }, /^CurrentDirectory is not a canonical/],
    [{ CurrentDirectory: "/a/".repeat(33).replaceAll("//", "/").slice(0, -1) }, /deeper/],
    [{ ParentImage: "/bin/sh" }, /^ParentImage without ParentCommandLine/],
    [{ ParentCommandLine: "sh" }, /^ParentCommandLine without ParentImage/],
    [{ User: undefined }, /^User absent/],
    [{ User: 0 }, /^User is number/],
    [{ User: "a:b" }, /^User is no passwd name/],
    [{ LogonId: "0" }, /^LogonId is not/],
    [{ ProcessId: "1" }, /^ProcessId is not/],
    [{ Hashes: "x" }, /^fields an exec record has not: Hashes/],
  ];
  for (const [over, re] of cases) {
    const why = skipReason(event("e", over));
    assert.match(why ?? "null", re, JSON.stringify(over));
  }
});

Deno.test("corpusRecords() gives the job each event's own fields", () => {
  const events = [
    event("plain", {}),
    event("parent", { ParentImage: "/bin/sh", ParentCommandLine: "sh -c id  -u", LogonId: 0 }),
    event("cwd-under", { Image: "/tmp/x/run", CurrentDirectory: "/tmp", User: "1234" }),
    event("cwd-beside", { Image: "/opt/tool", CurrentDirectory: "/home/u", User: "svc" }),
    event("root-cwd", { CurrentDirectory: "/", CommandLine: "", User: "svc" }),
    event("bytes", { CommandLine: "echo \udcff\t\u00e9 \\x", User: "n\u00e9" }),
    event("skipped", { Image: "rel" }),
  ];
  const recs = corpusRecords(events);
  assert.deepEqual(recs.skipped.map((s) => s.exec_id), ["skipped"]);
  assert.equal(recs.lines.length, 7, "6 own records and one parent");
  const times = recs.lines.map((l) => BigInt(l.split("\t")[1]));
  assert.deepEqual(times, [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const { fields, failed } = jobFields(events);
  assert.deepEqual(failed, []);
  for (const ev of events.slice(0, -1)) assert.deepEqual(fields.get(ev.exec_id), ev.fields);
  // names have passwd entries, uids do not
  const users = parsePasswd(recs.passwd);
  assert.deepEqual([...users.values()].sort(), ["n\u00e9", "root", "svc"]);
  assert.equal(users.get(0), "root");
  assert(![...users.keys()].includes(1234));
});

Deno.test("corpusRecords() gives the job the SigmaHQ corpus fields exactly", async () => {
  const corpus = sigmaCorpus(await readRuleDir(SIGMAHQ_PROCESS_CREATION));
  const { fields, failed } = jobFields(corpus.events);
  assert.deepEqual(failed, []);
  const represented = corpus.events.filter((e) => fields.has(e.exec_id));
  assert(represented.length > 0);
  const differ = represented.filter((e) => {
    try {
      assert.deepEqual(fields.get(e.exec_id), e.fields);
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(
    differ.slice(0, 5).map((e) => ({ corpus: e.fields, job: fields.get(e.exec_id) })),
    [],
    `${differ.length} events differ`,
  );
});
