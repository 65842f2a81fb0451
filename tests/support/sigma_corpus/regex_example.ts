/**
 * A string a Sigma `|re` value matches, for the corpus generator: a small regex-to-example
 * generator over the subset the Sigma spec allows (literals, `.`, anchors, `* + ? {n,m}`,
 * classes `[a-z]` `[^a-z]`, alternation, groups `(...)` `(?:...)`) plus the escapes rules use
 * (`\s \S \d \D \w \W` and escaped punctuation). Each quantifier takes its minimum; each
 * alternation takes branch `choice` modulo its branch count, so choices 0, 1, ... walk the
 * branches. Anchors produce nothing (the caller places the example).
 *
 * @module
 */

type Node =
  | { kind: "lit"; text: string }
  | { kind: "alt"; branches: Node[][] }
  | { kind: "rep"; node: Node; min: number };

const CLASS_ESCAPES: Record<string, string> = {
  s: " \t\n\r\f\v",
  d: "0123456789",
  w: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
};
/** what an escape outside a class stands for */
const ESCAPE_EXAMPLES: Record<string, string> = {
  s: " ",
  S: "x",
  d: "0",
  D: "x",
  w: "a",
  W: "-",
  t: "\t",
  n: "\n",
  r: "\r",
  f: "\f",
  v: "\v",
};
/** candidates for a negated class, first that the class does not exclude */
const NEGATED_CANDIDATES = "aqx0Z_.:,=+~@%";

/** A string `pattern` matches (see the module doc); throws on syntax outside the subset. */
export function regexExample(pattern: string, choice = 0): string {
  const parser = new Parser(pattern);
  const tree = parser.alternation();
  if (parser.pos < pattern.length) parser.fail("unbalanced )");
  return render(tree, choice);
}

/** The number of branches of the widest alternation in `pattern` (1 without `|`). */
export function regexBranches(pattern: string): number {
  const parser = new Parser(pattern);
  return width(parser.alternation());
}

function width(node: Node): number {
  if (node.kind === "lit") return 1;
  if (node.kind === "rep") return width(node.node);
  let n = node.branches.length;
  for (const branch of node.branches) for (const part of branch) n = Math.max(n, width(part));
  return n;
}

function render(node: Node, choice: number): string {
  switch (node.kind) {
    case "lit":
      return node.text;
    case "rep":
      return render(node.node, choice).repeat(node.min);
    case "alt":
      return node.branches[choice % node.branches.length].map((n) => render(n, choice)).join("");
  }
}

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(what: string): never {
    throw new Error(`regex ${JSON.stringify(this.src)}: ${what} at ${this.pos}`);
  }

  alternation(): Node {
    const branches: Node[][] = [this.sequence()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      branches.push(this.sequence());
    }
    return { kind: "alt", branches };
  }

  sequence(): Node[] {
    const out: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      out.push(this.quantified(this.atom()));
    }
    return out;
  }

  atom(): Node {
    const c = this.src[this.pos++];
    switch (c) {
      case "(": {
        if (this.src.startsWith("?:", this.pos)) this.pos += 2;
        else if (this.src[this.pos] === "?") this.fail("group syntax (? not in the Sigma subset");
        const inner = this.alternation();
        if (this.src[this.pos] !== ")") this.fail("missing )");
        this.pos++;
        return inner;
      }
      case "[":
        return { kind: "lit", text: this.charClass() };
      case ".":
        return { kind: "lit", text: "a" };
      case "^":
      case "$":
        return { kind: "lit", text: "" };
      case "\\":
        return { kind: "lit", text: this.escape() };
      case "*":
      case "+":
      case "?":
      case "{":
        return this.fail(`quantifier ${c} without an atom`);
      default:
        return { kind: "lit", text: c };
    }
  }

  escape(): string {
    const e = this.src[this.pos++];
    if (e === undefined) this.fail("trailing backslash");
    if (e in ESCAPE_EXAMPLES) return ESCAPE_EXAMPLES[e];
    if (/[A-Za-z0-9]/.test(e)) this.fail(`escape \\${e} not in the Sigma subset`);
    return e;
  }

  /** the chars a class allows (negated: the first candidate it does not exclude) */
  charClass(): string {
    const negated = this.src[this.pos] === "^";
    if (negated) this.pos++;
    let set = "";
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== "]" || first)) {
      first = false;
      let lo = this.src[this.pos++];
      if (lo === "\\") {
        const e = this.src[this.pos++];
        if (e in CLASS_ESCAPES) {
          set += CLASS_ESCAPES[e];
          continue;
        }
        lo = ESCAPE_EXAMPLES[e] ?? e;
      }
      if (
        this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" &&
        this.pos + 1 < this.src.length
      ) {
        const hi = this.src[this.pos + 1];
        this.pos += 2;
        for (let c = lo.charCodeAt(0); c <= hi.charCodeAt(0); c++) set += String.fromCharCode(c);
      } else {
        set += lo;
      }
    }
    if (this.src[this.pos] !== "]") this.fail("missing ]");
    this.pos++;
    if (!negated) {
      if (set === "") this.fail("empty class");
      return set[0];
    }
    for (const c of NEGATED_CANDIDATES) if (!set.includes(c)) return c;
    return this.fail("negated class excludes every candidate");
  }

  quantified(node: Node): Node {
    let min: number;
    const c = this.src[this.pos];
    if (c === "*" || c === "?") min = 0;
    else if (c === "+") min = 1;
    else if (c === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.src.slice(this.pos));
      if (!m) return node; // a literal "{", as PCRE reads it
      min = Number(m[1]);
      this.pos += m[0].length - 1;
    } else return node;
    this.pos++;
    if (this.src[this.pos] === "?") this.pos++; // lazy: same minimum
    return { kind: "rep", node, min };
  }
}
