import { openProjectForWriting } from './open-project.js';
import { OBJECTIVES, type Objective } from '../core/domain.js';
import { trainModel } from '../train/trainer.js';
import { CliUsageError, intFlag, jsonFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a CL-Flow (or FastFlow) model on a project category',
  usage: [
    'flowspect train PROJECT [--category C] [--objective clflow|fastflow] [--config JSON] [--name NAME] [--json]',
    'flowspect train PROJECT --resume MODEL_ID [--json]   (continue a killed or interrupted run from its checkpoint)',
    'Settings (--config): imageSize, batchSize, epochs, maxSteps, lr, weightDecay, clipNorm, seed, patience,',
    '  checkpointEvery, warmup, layerNormInit, strides, colourTap, align {mode: none|translation, maxShift}, presets,',
    '  flow {steps, hiddenRatio, kernels, clamp, score}, weights {unmasked, margin, contrast, pull, ce, marginValue, tau},',
    '  quantile, reviewQuantile, threads, provider — see README.',
    'Parts on a fixture: --config \'{"align":{"mode":"translation"}}\' aligns every image to a reference first.',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      category: { type: 'string' },
      objective: { type: 'string' },
      config: { type: 'string' },
      name: { type: 'string' },
      resume: { type: 'string' },
    });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one project folder');
    const objective = values.objective;
    if (objective !== undefined && !(OBJECTIVES as readonly string[]).includes(objective)) throw new CliUsageError(`--objective must be ${OBJECTIVES.join(' or ')} (got "${objective}")`);
    const resume = intFlag(values.resume, 'resume', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (resume !== undefined && (values.config || values.objective || values.category)) throw new CliUsageError('--resume continues a run with its own settings: drop --config, --objective and --category');
    const project = openProjectForWriting(positionals[0], io);
    const controller = new AbortController();
    const onSignal = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      let lastPct = -1;
      const result = await trainModel(project, {
        category: values.category,
        objective: objective as Objective | undefined,
        settings: jsonFlag(values.config, 'config') ?? {},
        name: values.name,
        resumeModelId: resume,
        signal: controller.signal,
        progress: (f, msg, d) => {
          const pct = Math.floor(f * 100);
          if (globals.verbose || d?.event === 'val' || d?.event === 'nan' || pct >= lastPct + 10) {
            lastPct = pct;
            io.err(`[${String(pct).padStart(3)}%] ${msg}${d?.etaSeconds ? ` (ETA ${Math.round(d.etaSeconds)} s, ${d.executionProvider})` : ''}`);
          }
        },
        log: (level, msg) => {
          if (globals.verbose || level === 'warn' || level === 'error') io.err(`${level}: ${msg}`);
        },
      });
      printResult(io, globals, result, () => [
        `model ${result.modelId} (${result.name}) ready: ${result.objective}, ${result.paramCount} flow params, ${result.steps} steps, ${result.epochs} epochs on ${result.executionProvider}`,
        `  validation image AUROC ${result.metrics.valImageAuroc?.toFixed(4)}; thresholds review ${result.thresholds.review.toPrecision(5)}, reject ${result.thresholds.reject.toPrecision(5)} (${result.thresholds.method})`,
        `  ${result.onnxPath}`,
      ]);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      project.close();
    }
  },
};
