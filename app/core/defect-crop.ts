/**
 * The square a defect is shown in when real and synthesized defects are compared side by side (the Synthesis view):
 * twice the defect's longer extent, but never less than a quarter of the image's short side, so small defects of
 * both kinds appear at the same scale and a real one can be judged against a synthesized one at a glance. The server
 * crops real defects with it (app/dataset/defect-crops.ts); the renderer zooms preview tiles with it.
 */
export interface PixelBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Square around `box` in an image of width × height; inside the image unless the square is larger than a side. */
export function defectSquare(box: PixelBox, width: number, height: number): PixelBox {
  const side = Math.round(Math.min(Math.max(width, height), Math.max(2 * Math.max(box.w, box.h), 0.25 * Math.min(width, height), 8)));
  const place = (start: number, extent: number, size: number): number => {
    if (side >= size) return Math.round((size - side) / 2);
    return Math.round(Math.min(size - side, Math.max(0, start + extent / 2 - side / 2)));
  };
  return { x: place(box.x, box.w, width), y: place(box.y, box.h, height), w: side, h: side };
}

/** The part of `box` that lies inside the image (what can be cut out of it). */
export function insideImage(box: PixelBox, width: number, height: number): PixelBox {
  const x = Math.max(0, box.x), y = Math.max(0, box.y);
  return { x, y, w: Math.min(width, box.x + box.w) - x, h: Math.min(height, box.y + box.h) - y };
}
