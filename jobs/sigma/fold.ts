/**
 * Case-insensitive comparison, the one way every matcher and the field
 * index fold text: lower case (Unicode, not locale-dependent) with the
 * Greek final sigma folded like a medial one, so that folding is the same
 * character by character wherever a character stands (the index relies on
 * fold(a + b) = fold(a) + fold(b)).
 *
 * @module
 */

/** Folds `s` for case-insensitive comparison. */
export function fold(s: string): string {
  const l = s.toLowerCase();
  return l.includes("ς") ? l.replaceAll("ς", "σ") : l;
}

/**
 * The text a string matcher sees for a field's value: strings as they are,
 * numbers and booleans as their JSON text; null when there is no text
 * (the field is absent or null).
 */
export function valueText(v: string | number | boolean | null | undefined): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}
