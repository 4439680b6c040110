import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the builder knows. float64 exists for gradient checks; int64/bool for indices and masks. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';
export type FloatDType = 'float32' | 'float64';

export type TypedData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export const ONNX_ELEM_TYPE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export function dtypeFromOnnx(elemType: number): DType | undefined {
  for (const [k, v] of Object.entries(ONNX_ELEM_TYPE)) if (v === elemType) return k as DType;
  return undefined;
}

export function isFloat(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float64';
}

/** Copies `values` into a fresh typed array of `dtype`. */
export function toTypedData(values: ArrayLike<number> | ArrayLike<bigint>, dtype: DType): TypedData {
  if (values.length > 0 && typeof values[0] === 'bigint' && (dtype === 'float32' || dtype === 'float64')) {
    return toTypedData(Array.from(values as ArrayLike<bigint>, Number), dtype);
  }
  const n = values.length;
  switch (dtype) {
    // No map callback: the typed-array constructors copy (and convert) at native speed.
    case 'float32':
      return new Float32Array(values as ArrayLike<number>);
    case 'float64':
      return new Float64Array(values as ArrayLike<number>);
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(values[i] as number | bigint);
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i] ? 1 : 0;
      return out;
    }
  }
}

/** A typed array of `size` elements, all `value`. */
export function filledData(dtype: DType, size: number, value: number): TypedData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size).fill(value);
    case 'float64':
      return new Float64Array(size).fill(value);
    case 'int64':
      return new BigInt64Array(size).fill(BigInt(value));
    case 'bool':
      return new Uint8Array(size).fill(value ? 1 : 0);
  }
}
