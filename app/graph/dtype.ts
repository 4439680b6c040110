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
  const n = values.length;
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64':
      return Float64Array.from(values as ArrayLike<number>, Number);
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
