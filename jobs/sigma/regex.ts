/**
 * Regular expressions of the `|re` modifier: the rule's (PCRE-style) text
 * compiled once into a JavaScript RegExp. Matching is a search (the
 * expression may match anywhere in the value), case-sensitive unless
 * `|re|i`; `|re|m` makes `^`/`$` match at line ends, `|re|s` lets `.`
 * match newlines. Python/PCRE spellings JavaScript lacks are translated:
 * leading global flags `(?i)` `(?m)` `(?s)` (and their combinations),
 * named groups `(?P<n>...)` and back-references `(?P=n)`, `\A` and `\Z`.
 *
 * @module
 */

import { RuleError } from "./expr.ts";

function translate(src: string, flags: Set<string>): string {
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === "x") throw new RuleError(`regex flag "x" not supported`);
      flags.add(f);
    }
    src = src.slice(lead[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      const n = src[i + 1] ?? "";
      if (!inClass && n === "A") out += "^";
      else if (!inClass && (n === "Z" || n === "z")) out += "$";
      else out += c + n;
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (src[i + 1] === "^") out += src[++i];
      if (src[i + 1] === "]") out += "\\" + src[++i];
    } else if (src.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else if (src.startsWith("(?P=", i)) {
      const end = src.indexOf(")", i);
      if (end < 0) throw new RuleError(`regex "${src}" is invalid: unterminated (?P=`);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

/** Compiles a rule's regex with Sigma flags (`i`, `m`, `s`); a RuleError when invalid. */
export function compileRegex(src: string, sigmaFlags: string): RegExp {
  const flags = new Set(sigmaFlags);
  const js = translate(src, flags);
  try {
    return new RegExp(js, [...flags].sort().join(""));
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e))
      .replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    throw new RuleError(`regex "${src}" is invalid: ${msg}`);
  }
}
