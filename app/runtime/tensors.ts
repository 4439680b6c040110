/** Conversions between builder values (typed arrays + shapes) and ORT tensors. */
import ort from 'onnxruntime-node';
import type { InitialValue } from '../graph/index.js';

const ORT_TYPE = { float32: 'float32', float64: 'float64', int64: 'int64', bool: 'bool' } as const;

export function toOrtTensor(v: InitialValue): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[v.dtype], v.data, [...v.shape]);
}

/** ORT tensors for every value in a map (e.g. `graph.initialValues()`). */
export function toOrtFeeds(values: ReadonlyMap<string, InitialValue>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, v] of values) out[name] = toOrtTensor(v);
  return out;
}

export function float32Tensor(data: Float32Array | readonly number[], shape: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), [...shape]);
}

export function float64Tensor(data: Float64Array | readonly number[], shape: readonly number[]): ort.Tensor {
  return new ort.Tensor('float64', data instanceof Float64Array ? data : Float64Array.from(data), [...shape]);
}
