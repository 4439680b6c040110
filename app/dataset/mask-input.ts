import sharp from 'sharp';
import { normalizeMask, RejectedFile } from './read-image.js';

export type Polygon = readonly (readonly [number, number])[];

/** Decodes base64 or a `data:image/png;base64,` URL. */
export function decodeBase64Image(text: string): Buffer {
  const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) throw new RejectedFile('mask is not valid base64');
  return Buffer.from(body, 'base64');
}

/** Checks that every polygon point lies inside a width x height image. */
export function validatePolygons(polygons: readonly Polygon[], width: number, height: number): void {
  polygons.forEach((poly, k) =>
    poly.forEach(([x, y], j) => {
      if (x < 0 || y < 0 || x > width || y > height) {
        throw new RejectedFile(`polygon ${k} point ${j} (${x}, ${y}) lies outside the ${width}x${height} image`);
      }
    }),
  );
}

/** Rasterises polygons (even-odd fill) to a 0 / 255 grey PNG of the given size, via SVG. */
export async function rasterisePolygons(polygons: readonly Polygon[], width: number, height: number): Promise<{ png: Buffer; area: number }> {
  validatePolygons(polygons, width, height);
  const paths = polygons.map((p) => `M${p.map(([x, y]) => `${x},${y}`).join('L')}Z`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="black"/><path d="${paths}" fill="white" fill-rule="evenodd"/></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return normalizeMask(png, width, height);
}

/** A 0 / 255 raster (one byte a pixel, row-major) as the grey PNG a stored mask is. */
export async function encodeMaskPng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}
