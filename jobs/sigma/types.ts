/**
 * The Sigma engine's public types (contract A of issue 12): events, the
 * field catalog, the rule inventory entry, compiled rules and rule sets.
 *
 * @module
 */

/** A field value of a Sigma event. */
export type SigmaValue = string | number | boolean | null;

/**
 * A Sigma event: field name (as in rules, e.g. "Image") -> value.
 * undefined / absent = the field does not exist in this event (only `|exists: false` / null match);
 * null = the field exists with a null value (matches `Field: null`).
 */
export type SigmaEvent = Readonly<Record<string, SigmaValue | undefined>>;

/** What the data can feed: logsource category -> the Sigma fields events of it carry. */
export type FieldCatalog = Readonly<Record<string, readonly string[]>>;

/** One rule's inventory entry (table sigma_rules). */
export interface RuleInfo {
  /** the rule's `id` (a file without id: "file:<relative path>", "#<n>" added per document) */
  rule_id: string;
  title: string;
  status: string | null;
  level: string | null;
  /** e.g. ["attack.execution", "attack.t1059.004"] */
  tags: string[];
  /** kept for attribution (Detection Rule License) */
  author: string | null;
  /** path relative to the rules directory given */
  file: string;
  /** logsource.category */
  category: string | null;
  evaluated: boolean;
  /**
   * null when evaluated; else one line, e.g. `logsource product "windows" is not linux`,
   * `category "file_access" has no data`, `field "Hashes" not in process_creation`,
   * `modifier "expand" not supported`, `YAML: <parser message>`, `correlation rule`
   */
  reason: string | null;
}

/** A compiled rule: no YAML or RegExp built per event. */
export interface CompiledRule {
  readonly info: RuleInfo;
  readonly category: string;
  /** fields the rule reads */
  readonly fields: ReadonlySet<string>;
  /**
   * Kleene 3-valued: fields in `unknown` are treated as not known yet -> null when the
   * answer depends on them, else true/false.
   */
  match(ev: SigmaEvent, unknown?: ReadonlySet<string>): boolean | null;
}

/** The answer of {@link RuleSet.match}: indices into {@link RuleSet.rules}, ascending. */
export interface RuleSetMatch {
  /** rules whose answer is true */
  matched: number[];
  /** rules whose answer is null (it depends on fields in `unknown`) */
  undecided: number[];
}

/** Rules of one or more directories, compiled; matching by category with a field index. */
export interface RuleSet {
  /** the evaluated rules, sorted by rule_id */
  readonly rules: readonly CompiledRule[];
  /** every rule (and filter) of every file, evaluated or not, sorted by rule_id */
  readonly inventory: readonly RuleInfo[];
  /**
   * indices (into rules) of the rules of `category` whose answer is true
   * (and, with `unknown`, separately those that are null)
   */
  match(category: string, ev: SigmaEvent, unknown?: ReadonlySet<string>): RuleSetMatch;
}

/** A rule file's text, as jobs/param_files.ts readDirsParam() returns it. */
export interface RuleFile {
  /** path relative to its rules directory ("<dirIndex>:" first when several directories) */
  file: string;
  text: string;
}
