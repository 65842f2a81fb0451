import assert from "node:assert/strict";
import { HostIndex } from "./host_index.ts";
import type { LineageNode } from "../lineage/chain.ts";
import { ancestorChain } from "../lineage/chain.ts";

function node(id: string, parent: string | null, over: Partial<LineageNode> = {}): LineageNode {
  return {
    exec_id: id,
    parent_exec_id: parent,
    host: "h1",
    time_ns: "1",
    image: `/bin/${id}`,
    command_line: id,
    command_line_cut: false,
    pid: 10,
    ppid: 9,
    uid: 0,
    auid: null,
    from_previous_day: false,
    exec_ok: true,
    ...over,
  };
}

Deno.test("HostIndex.add() evicts the oldest node at the cap and tells onEvict", () => {
  const evicted: string[] = [];
  const ix = new HostIndex({ cap: 2, onEvict: (n) => evicted.push(n.exec_id) });
  ix.enter("h1");
  ix.add(node("a", null));
  ix.add(node("b", "a"));
  ix.add(node("a", null)); // re-added: now the newest
  ix.add(node("c", "b"));
  assert.deepEqual(evicted, ["b"]);
  assert.equal(ix.size, 2);
  assert.equal(ix.get("b"), undefined);
  assert.equal(ix.get("a")?.exec_id, "a");
  assert.equal(ix.evicted, 1);
});

Deno.test("HostIndex.add() ignores failed execs (their id is the caller's image)", () => {
  const ix = new HostIndex();
  ix.enter("h1");
  ix.add(node("a", null, { exec_ok: false, image: null }));
  assert.equal(ix.get("a"), undefined);
});

Deno.test("HostIndex.enter() empties the index for another host, keeps it for the same", () => {
  const ix = new HostIndex();
  ix.enter("h1");
  ix.add(node("a", null));
  ix.enter("h1");
  assert.equal(ix.size, 1);
  ix.enter("h2");
  assert.equal(ix.size, 0);
  assert.equal(ix.host, "h2");
});

Deno.test("HostIndex works as ancestorChain()'s index", () => {
  const ix = new HostIndex();
  ix.enter("h1");
  ix.add(node("a", "gone"));
  ix.add(node("b", "a"));
  ix.add(node("c", "b"));
  const chain = ancestorChain(ix, "c", 64);
  assert.deepEqual(chain.nodes.map((n) => n.exec_id), ["c", "b", "a"]);
  assert.equal(chain.end, "not_in_data");
});
