/**
 * app/runtime — runs graphs from app/graph on onnxruntime-node.
 * `createSession(bytes, { intraOpThreads: 2 })` → `{ session, provider, reason, run(feeds, fetch) }`;
 * `new TrainingLoop(session, { initial, feedback })` steps a training graph, feeding outputs back as inputs;
 * `stepIfFinite` commits a step only when its guarded outputs are finite, `swap` moves on to another graph.
 */
export { createSession, type Session, type SessionConfig, type ProviderChoice } from './session.js';
export { TrainingLoop, type TrainingLoopOptions, type GuardedStep } from './training-loop.js';
export { toOrtTensor, toOrtFeeds, float32Tensor, float64Tensor } from './tensors.js';
