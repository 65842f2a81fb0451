/**
 * Command-line quantities: durations ("90s", "30m", "1h", "500ms", "2d"; a bare
 * number is seconds) and sizes ("10M", "512k", "1G"; binary multiples; a bare
 * number is bytes).
 *
 * @module
 */

const DURATION: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Milliseconds in a duration; throws a RangeError naming the option. */
export function parseDuration(text: string, name = "duration"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new RangeError(`${name} must be a duration like 90s, 30m or 1h: got "${text}"`);
  return Math.round(Number(m[1]) * DURATION[m[2] ?? "s"]);
}

/** Bytes in a size; throws a RangeError naming the option. */
export function parseSize(text: string, name = "size"): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new RangeError(`${name} must be a size like 512k, 10M or 1G: got "${text}"`);
  return Math.round(Number(m[1]) * SIZE[m[2].toLowerCase()]);
}

/** "1.2 GB", "340 kB": decimal units for reports. */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}
