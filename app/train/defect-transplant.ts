/**
 * Transplanting a real training defect onto a clean training image (`realDefectPlacement: "transplant"`).
 *
 * Why: a handful of confirmed defects spliced in as they are is a handful of fixed images; the flow sees the same
 * 18 pictures again and again and learns those pictures. Cut out under its mask (feathered a few pixels outward)
 * and pasted onto the slot's own clean image, a real defect becomes a twin with a clean counterpart — the masked vs
 * unmasked NLL and the contrast then compare the same background with and without it — and on a texture it lands
 * at a new place, mirrored, on a new background in every step. On aligned parts it stays where it was found (a
 * defect's place on a fixtured part is part of what it is) and the background under it is the same part's.
 */

/** A defect cut out under its feathered mask: its bounding box of the input-size image. */
export interface DefectPatch {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** (3, height, width) in [0, 1]. */
  readonly pixels: Float32Array;
  /** (height, width): 1 under the mask, falling to 0 over `feather` pixels outside it. */
  readonly alpha: Float32Array;
}

/** Pixels outside the mask over which the paste fades out (the seam is inside the loss mask). */
export const TRANSPLANT_FEATHER = 3;

/** Chessboard distance of every pixel to the mask, capped at `cap` (two 3 × 3 dilation passes per step). */
function distanceToMask(mask: Float32Array, width: number, height: number, cap: number): Uint8Array {
  const dist = new Uint8Array(width * height).fill(cap);
  for (let i = 0; i < mask.length; i++) if (mask[i]! > 0) dist[i] = 0;
  for (let r = 1; r < cap; r++) {
    const next = Uint8Array.from(dist);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (dist[y * width + x]! < cap) continue;
        let near = false;
        for (let dy = -1; dy <= 1 && !near; dy++) {
          for (let dx = -1; dx <= 1 && !near; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            near = yy >= 0 && yy < height && xx >= 0 && xx < width && dist[yy * width + xx] === r - 1;
          }
        }
        if (near) next[y * width + x] = r;
      }
    }
    dist.set(next);
  }
  return dist;
}

/** Cuts the defect out of its (3, H, W) image under its (H, W) mask, feathered outward; null for an empty mask. */
export function cutDefectPatch(pixels: Float32Array, mask: Float32Array, width: number, height: number, feather = TRANSPLANT_FEATHER): DefectPatch | null {
  const dist = distanceToMask(mask, width, height, feather + 1);
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (dist[y * width + x]! > feather) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const out = new Float32Array(3 * w * h);
  const alpha = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y + y0) * width + (x + x0);
      alpha[y * w + x] = Math.max(0, 1 - dist[src]! / (feather + 1));
      for (let c = 0; c < 3; c++) out[c * w * h + y * w + x] = pixels[c * width * height + src]!;
    }
  }
  return { x: x0, y: y0, width: w, height: h, pixels: out, alpha };
}

export interface Placement {
  readonly x: number;
  readonly y: number;
  readonly flipX: boolean;
  readonly flipY: boolean;
}

/** Where a patch goes: where it was found (aligned parts), or anywhere it fits, mirrored at random (textures). */
export function choosePlacement(p: DefectPatch, width: number, height: number, moveable: boolean, rand: () => number): Placement {
  if (!moveable) return { x: p.x, y: p.y, flipX: false, flipY: false };
  return { x: Math.floor(rand() * (width - p.width + 1)), y: Math.floor(rand() * (height - p.height + 1)), flipX: rand() < 0.5, flipY: rand() < 0.5 };
}

/**
 * Pastes the patch into one slot of a (3, H, W) image and its (H, W) mask, in place: image = clean · (1 − α) +
 * defect · α, and the mask is 1 wherever α > 0 (every changed pixel, the feathered seam included).
 */
export function pastePatch(p: DefectPatch, at: Placement, image: Float32Array, mask: Float32Array, width: number, height: number): void {
  const plane = width * height;
  const patchPlane = p.width * p.height;
  for (let y = 0; y < p.height; y++) {
    const sy = at.flipY ? p.height - 1 - y : y;
    for (let x = 0; x < p.width; x++) {
      const sx = at.flipX ? p.width - 1 - x : x;
      const a = p.alpha[sy * p.width + sx]!;
      if (a <= 0) continue;
      const dst = (at.y + y) * width + (at.x + x);
      for (let c = 0; c < 3; c++) {
        const i = c * plane + dst;
        image[i] = image[i]! * (1 - a) + p.pixels[c * patchPlane + sy * p.width + sx]! * a;
      }
      mask[dst] = 1;
    }
  }
}
