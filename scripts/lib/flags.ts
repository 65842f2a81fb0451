/**
 * A small command-line parser (`--name value`, `--name=value`, `--flag`,
 * `-h`), kept free of `node:` modules so the collector loads no Node
 * compatibility layer (a few MB of resident memory on every host).
 *
 * @module
 */

export interface FlagSpec {
  /** options that take a value */
  string?: readonly string[];
  /** options that take none */
  boolean?: readonly string[];
  /** one-letter aliases: { h: "help" } */
  alias?: Record<string, string>;
  /** options (among `string`) that may be given several times; all values are kept in order */
  repeat?: readonly string[];
}

export interface ParsedFlags {
  /** the last value of each option */
  values: Record<string, string | boolean | undefined>;
  /** every value of the `repeat` options (an empty list when not given) */
  repeated: Record<string, string[]>;
  positionals: string[];
}

/** Parses `args`; throws a TypeError naming the first bad option. */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const strings = new Set(spec.string ?? []);
  const booleans = new Set(spec.boolean ?? []);
  const values: Record<string, string | boolean | undefined> = {};
  const repeated: Record<string, string[]> = {};
  for (const r of spec.repeat ?? []) repeated[r] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    let name = a.startsWith("--") ? a.slice(2) : spec.alias?.[a.slice(1)] ?? a.slice(1);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (strings.has(name)) {
      if (value === undefined) {
        if (i + 1 >= args.length) throw new TypeError(`Option '--${name}' needs a value`);
        value = args[++i];
      }
      values[name] = value;
      repeated[name]?.push(value);
    } else if (booleans.has(name)) {
      if (value !== undefined) throw new TypeError(`Option '--${name}' takes no value`);
      values[name] = true;
    } else {
      throw new TypeError(`Unknown option '${a}'`);
    }
  }
  return { values, repeated, positionals };
}
