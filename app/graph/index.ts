/**
 * app/graph — build ONNX graphs (forward, reverse-mode gradients, optimizer steps) and serialize them for ORT.
 *
 * ```ts
 * import { Graph, Conv, Relu, Sub, Mul, ReduceMean, gradients, adam, serialize } from '../graph/index.js';
 * const g = new Graph();                                   // float32; `new Graph({ dtype: 'float64' })` for checks
 * const x = g.input('x', [8, 3, 32, 32]);                  // (N, C, H, W)
 * const target = g.input('target', [8, 16, 32, 32]);
 * const w = g.param('conv.w', [16, 3, 3, 3], initialValues); // initial value (array or one number)
 * const b = g.param('conv.b', [16], 0);
 * const y = Relu(Conv(x, w, b, { pad: 1 }));
 * const diff = Sub(y, target);
 * const loss = ReduceMean(Mul(diff, diff), undefined, false);
 * g.output('loss', loss);
 * const step = adam([w, b], gradients(loss, [w, b]), { lr: 1e-3 }); // adds state inputs + new-value outputs
 * const bytes = serialize(g, { paramsAs: 'inputs', metadata: { kind: 'train' } });
 * // app/runtime: createSession(bytes) + TrainingLoop(step.feedback) run it step by step.
 * ```
 * Frozen backbones: `importOnnx(g, bytes, { prefix: 'bb/', inputs: { image: x }, outputs: ['feat'] })`.
 * Ops are free functions named like the ONNX ops; each op's gradient rule sits next to it (`defineGrad`).
 * See the README section "Graph compiler" for the op list and how to add an op with its gradient and its check.
 */
export { GraphError, fmtShape } from './errors.js';
export type { DType, FloatDType, TypedData } from './dtype.js';
export { Tensor, type OpRecord, type TensorKind } from './tensor.js';
export { Graph, type Attr, type GraphOptions, type InitialValue, int, float, ints, floats, str } from './graph.js';
export { defineGrad, gradRules, type GradContext, type GradRule } from './rules.js';
export { gradients } from './autodiff.js';
export { adam, adamw, sgd, type AdamOptions, type OptimizerStep } from './optim.js';
export { crossEntropy, cosineSimilarity, hinge, type CrossEntropyOptions } from './losses.js';
export { importOnnx, decodeOnnx, type ImportOptions } from './import.js';
export { serialize, toModelProto, OPSET, IR_VERSION, type SerializeOptions } from './serialize.js';
export * from './ops/elementwise.js';
export * from './ops/shape.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export * from './ops/normalization.js';
export * from './ops/conv.js';
export * from './ops/resize.js';
