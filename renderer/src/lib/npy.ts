/** Reads a little-endian float .npy anomaly map (H, W) or (1, 1, H, W) in the browser. */
export interface ScalarMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function parseNpy(buf: ArrayBuffer): ScalarMap {
  const bytes = new Uint8Array(buf);
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (magic !== 'NUMPY') throw new Error('not a .npy file');
  const view = new DataView(buf);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder('latin1').decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.length < 2) throw new Error(`expected a 2-D map, got shape (${shape.join(', ')})`);
  const [height, width] = shape.slice(-2) as [number, number];
  const n = width * height;
  const data = new Float32Array(n);
  const size = descr === '<f8' ? 8 : descr === '<f4' ? 4 : descr === '<f2' ? 2 : 0;
  if (!size) throw new Error(`unsupported dtype ${descr}`);
  if (buf.byteLength < start + n * size) throw new Error('truncated .npy file');
  for (let i = 0; i < n; i++) {
    const o = start + i * size;
    data[i] = size === 8 ? view.getFloat64(o, true) : size === 4 ? view.getFloat32(o, true) : halfToFloat(view.getUint16(o, true));
  }
  return { width, height, data };
}
