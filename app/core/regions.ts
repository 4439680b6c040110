/**
 * Connected defect regions of a binary mask, 8-connected as in the MVTec AD evaluation (scipy's label with a 3x3
 * structuring element). `labels` holds 0 for background and 1..count for regions; `sizes[r - 1]` is region r's size.
 */
export interface Regions {
  readonly labels: Int32Array;
  readonly sizes: readonly number[];
}

/** Labels the pixels where `mask` is non-zero and `exclude` (if given) is zero. Mask layout: (H, W) row-major. */
export function labelRegions(mask: ArrayLike<number>, width: number, height: number, exclude?: ArrayLike<number> | null): Regions {
  const n = width * height;
  const labels = new Int32Array(n);
  const sizes: number[] = [];
  const stack = new Int32Array(n);
  const inside = (i: number) => mask[i] !== 0 && (!exclude || exclude[i] === 0);
  for (let start = 0; start < n; start++) {
    if (labels[start] !== 0 || !inside(start)) continue;
    const label = sizes.length + 1;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const py = (p / width) | 0;
      const px = p - py * width;
      for (let dy = -1; dy <= 1; dy++) {
        const y = py + dy;
        if (y < 0 || y >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          if (x < 0 || x >= width) continue;
          const q = y * width + x;
          if (labels[q] === 0 && inside(q)) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}
