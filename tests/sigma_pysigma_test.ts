/**
 * The independent cross-check of the Sigma engine: pySigma (PyPI, sqlite backend, venv of
 * tests/support/pysigma/setup.sh) converts the SigmaHQ Linux process_creation rules
 * (../shared/sigma/, never copied in) and runs them as SQL over a corpus built from the rules
 * themselves (tests/support/sigma_corpus.ts); the engine (jobs/sigma, contract A of issue 12)
 * must give the same set of (rule_id, exec_id) on the same events, and so must the `sigma` job
 * (jobs/sigma.ts) over the corpus written as exec records (tests/support/sigma_corpus_records.ts),
 * which tests its field mapping too.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pysigmaConvert, type PysigmaRules, pysigmaRun } from "./support/pysigma/pysigma.ts";
import { type CorpusEvent, type SigmaCorpus, sigmaCorpus } from "./support/sigma_corpus.ts";
import { readRuleDir, SIGMAHQ_PROCESS_CREATION } from "./support/shared_sigma.ts";
import { corpusRecords } from "./support/sigma_corpus_records.ts";

import { compileRuleSet } from "../jobs/sigma/mod.ts";
import { sigma, SIGMA_CATALOG } from "../jobs/sigma.ts";
import { runInMemory } from "../jobs/engine/memory.ts";
import { parsePasswd } from "../jobs/process/users.ts";

interface Fixture {
  files: { file: string; text: string }[];
  rules: PysigmaRules;
  corpus: SigmaCorpus;
  /** pySigma's matches as "rule_id exec_id" */
  pysigma: Set<string>;
  byId: Map<string, CorpusEvent>;
}

let fixture: Promise<Fixture> | null = null;

/** Rules, their conversion, the corpus and pySigma's answers on it: built once per file. */
function load(): Promise<Fixture> {
  fixture ??= (async () => {
    const files = await readRuleDir(SIGMAHQ_PROCESS_CREATION);
    const rules = await pysigmaConvert([SIGMAHQ_PROCESS_CREATION]);
    const corpus = sigmaCorpus(files);
    const rows = await pysigmaRun(
      rules,
      corpus.events.map((e) => ({ exec_id: e.exec_id, ...e.fields })),
    );
    return {
      files,
      rules,
      corpus,
      pysigma: new Set(rows.map((r) => `${r.rule_id} ${r.exec_id}`)),
      byId: new Map(corpus.events.map((e) => [e.exec_id, e])),
    };
  })();
  return fixture;
}

/** At most 20 lines naming each pair and how its event was made. */
function explain(pairs: string[], f: Fixture): string {
  const lines = pairs.slice(0, 20).map((p) => {
    const [rule, exec] = p.split(" ");
    const ev = f.byId.get(exec)!;
    return `  ${rule} ${exec} (${ev.about}) ${JSON.stringify(ev.fields)}`;
  });
  return lines.join("\n") + (pairs.length > 20 ? `\n  ... ${pairs.length - 20} more` : "");
}

Deno.test("pysigmaConvert() converts every SigmaHQ Linux process_creation rule", async () => {
  const f = await load();
  assert(f.files.length > 0, `no rule files in ${SIGMAHQ_PROCESS_CREATION.pathname}`);
  assert.deepEqual(Object.keys(f.rules).length, f.files.length);
  const failed = Object.entries(f.rules).filter(([, r]) => r.sql === undefined);
  assert.deepEqual(failed.map(([id, r]) => `${id} ${r.file}: ${r.error}`), []);
});

Deno.test("sigmaCorpus() positives match their rule per pySigma and near misses do not", async () => {
  const f = await load();
  assert.deepEqual([...f.corpus.uncovered], [], "rules the corpus could not cover");
  const ids = new Set(f.corpus.events.map((e) => e.exec_id));
  assert.deepEqual(ids.size, f.corpus.events.length, "exec_ids are unique");
  const missed: string[] = [];
  const hit: string[] = [];
  for (const [rule, r] of Object.entries(f.rules)) {
    if (r.sql === undefined) continue;
    const targets = f.corpus.targets.get(rule) ?? [];
    assert(targets.length > 0, `rule ${rule} (${r.file}) has no positive event`);
    for (const e of targets) if (!f.pysigma.has(`${rule} ${e}`)) missed.push(`${rule} ${e}`);
    for (const e of f.corpus.nearMisses.get(rule) ?? []) {
      if (f.pysigma.has(`${rule} ${e}`)) hit.push(`${rule} ${e}`);
    }
  }
  assert(missed.length === 0, `positives pySigma does not match:\n${explain(missed, f)}`);
  assert(hit.length === 0, `near misses pySigma matches:\n${explain(hit, f)}`);
});

// --- the engine: the same rules over the same events
Deno.test({
  name: "compileRuleSet() matches the same (rule_id, exec_id) as pySigma on the corpus",
  fn: async () => {
    const f = await load();
    const set = compileRuleSet(f.files, SIGMA_CATALOG);
    const evaluated = set.inventory.filter((r) => r.evaluated);
    assert(
      evaluated.length >= 0.95 * f.files.length,
      `the engine evaluates ${evaluated.length} of ${f.files.length} rules (goal >= 95%); not: ` +
        set.inventory.filter((r) => !r.evaluated).map((r) => `${r.rule_id}: ${r.reason}`)
          .join("; "),
    );
    // compared: the rules both sides evaluate
    const compared = new Set(
      evaluated.map((r) => r.rule_id).filter((id) => f.rules[id]?.sql !== undefined),
    );
    assert.deepEqual(
      evaluated.filter((r) => !compared.has(r.rule_id)).map((r) => r.rule_id),
      [],
      "rules the engine evaluates but pySigma did not convert",
    );
    const ours = new Set<string>();
    for (const e of f.corpus.events) {
      const { matched, undecided } = set.match("process_creation", e.fields);
      assert.deepEqual(undecided, [], `undecided without unknown fields on ${e.exec_id}`);
      for (const i of matched) ours.add(`${set.rules[i].info.rule_id} ${e.exec_id}`);
    }
    const theirs = [...f.pysigma].filter((p) => compared.has(p.split(" ")[0]));
    const onlyPysigma = theirs.filter((p) => !ours.has(p));
    const onlyOurs = [...ours].filter((p) => !f.pysigma.has(p));
    assert(
      onlyPysigma.length === 0 && onlyOurs.length === 0,
      `engine vs pySigma differ:\nonly pySigma matches:\n${explain(onlyPysigma, f)}\n` +
        `only the engine matches:\n${explain(onlyOurs, f)}`,
    );
    const silent = [...compared].filter((id) => ![...ours].some((p) => p.startsWith(id + " ")));
    assert.deepEqual(silent, [], "evaluated rules matching no corpus event");
  },
});

// --- the job: the same rules over the corpus as exec records (its field mapping included)
Deno.test("sigma() matches the same (rule_id, exec_id) as pySigma on the corpus records", async () => {
  const f = await load();
  const recs = corpusRecords(f.corpus.events);
  const reasons = new Map<string, number>();
  for (const s of recs.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  assert(
    recs.execIds.size >= 0.9 * f.corpus.events.length,
    `${recs.execIds.size} of ${f.corpus.events.length} corpus events representable (goal >= 90%); ` +
      `skipped: ${[...reasons].map(([r, n]) => `${n} ${r}`).join("; ")}`,
  );
  const { tables } = runInMemory(
    [sigma({ files: f.files, users: parsePasswd(recs.passwd) })],
    [{ host: recs.host, lines: recs.lines }],
  );
  const inventory = tables.get("sigma_rules")!;
  const compared = new Set(
    inventory.filter((r) => r.evaluated === true).map((r) => r.rule_id as string),
  );
  assert(compared.size > 0, "the job evaluates no rule");
  assert.deepEqual(
    [...compared].filter((id) => f.rules[id]?.sql === undefined),
    [],
    "rules the job evaluates but pySigma did not convert",
  );
  const corpusOf = new Map([...recs.execIds].map(([c, ours]) => [ours, c]));
  const ours = new Set<string>();
  let ownRows = 0;
  for (const row of tables.get("sigma_matches")!) {
    const id = row.exec_id as string;
    const c = corpusOf.get(id);
    if (c === undefined) {
      // a parent record's own match: not a corpus event
      assert(recs.parentExecIds.has(id), `a match of an exec id no record has: ${id}`);
      continue;
    }
    ownRows++;
    ours.add(`${row.rule_id} ${c}`);
  }
  assert.equal(ours.size, ownRows, "one row per (rule, record)");
  const theirs = [...f.pysigma].filter((p) => {
    const [rule, exec] = p.split(" ");
    return compared.has(rule) && recs.execIds.has(exec);
  });
  const onlyPysigma = theirs.filter((p) => !ours.has(p));
  const onlyOurs = [...ours].filter((p) => !f.pysigma.has(p));
  assert(
    onlyPysigma.length === 0 && onlyOurs.length === 0,
    `job vs pySigma differ:\nonly pySigma matches:\n${explain(onlyPysigma, f)}\n` +
      `only the job matches:\n${explain(onlyOurs, f)}`,
  );
  const hit = new Set([...ours].map((p) => p.split(" ")[0]));
  assert.deepEqual(
    [...compared].filter((id) => !hit.has(id)),
    [],
    "evaluated rules matching no event",
  );
});
