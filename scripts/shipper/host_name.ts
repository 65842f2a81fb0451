/**
 * A per-host splay fraction, from the host's name.
 *
 * @module
 */

/** A stable fraction in [0, 1) from a string (FNV-1a), e.g. for a per-host splay. */
export function stableFraction(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}
