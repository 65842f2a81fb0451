/**
 * Enough of PNG to tell a rendered page from a blank one: size, distinct
 * colours and the share of pixels that are not the background (8-bit
 * grey, grey+alpha, RGB or RGBA, non-interlaced; what Chromium writes).
 *
 * @module
 */

import { inflateSync } from "node:zlib";
import { concatBytes } from "../../scripts/lib/text_bytes.ts";

/** What a screenshot shows, roughly. */
export interface PngStats {
  width: number;
  height: number;
  /** distinct RGB colours */
  colours: number;
  /** share of pixels whose colour is not the most common one */
  nonBackground: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes `png` and counts its colours. */
export function pngStats(png: Uint8Array): PngStats {
  if (SIGNATURE.some((b, i) => png[i] !== b)) throw new Error("png: no PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0, height = 0, colourType = -1, depth = 0, interlace = 0;
  const idat: Uint8Array[] = [];
  for (let o = 8; o + 8 <= png.length;) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    if (type === "IHDR") {
      width = view.getUint32(o + 8);
      height = view.getUint32(o + 12);
      depth = data[8];
      colourType = data[9];
      interlace = data[12];
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    o += 12 + len;
  }
  const bpp = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (depth !== 8 || !bpp || interlace !== 0) {
    throw new Error(
      `png: colour type ${colourType}, depth ${depth}, interlace ${interlace} not read`,
    );
  }
  const raw = inflateSync(concatBytes(idat));
  const stride = width * bpp;
  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const counts = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    const filter = raw[at];
    for (let x = 0; x < stride; x++) {
      const v = raw[at + 1 + x];
      const a = x >= bpp ? cur[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        case 4: {
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`png: filter ${filter} in row ${y}`);
      }
      cur[x] = (v + p) & 0xff;
    }
    for (let x = 0; x < stride; x += bpp) {
      const rgb = bpp >= 3 ? (cur[x] << 16) | (cur[x + 1] << 8) | cur[x + 2] : cur[x] * 0x10101;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    prev.set(cur);
  }
  const top = Math.max(...counts.values());
  return { width, height, colours: counts.size, nonBackground: 1 - top / (width * height) };
}
