/**
 * `flowspect score`: the headless "Run inference on the test split". It builds the request with the contract's
 * `models.infer` schema (so maps, batch size and evaluation default exactly as in the UI) and hands it, as the
 * `infer` job does, to runInference, which writes the same results rows and map files. A batch's results are
 * committed in one transaction: SIGINT lets the batch in flight finish, stores it, and stops; the images not yet
 * scored keep their earlier results (or none), and the command fails saying how many were stored.
 */
import path from 'node:path';
import { modelMethods } from '../api/methods/models.js';
import { AppError } from '../core/errors.js';
import { runInference } from '../infer/run.js';
import type { InferPayload } from '../jobs/kinds/infer.js';
import { getDataset, listDatasets } from '../store/datasets.js';
import { getModel, listModels } from '../store/models.js';
import { openProject, type Project } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand, type CliIo } from './types.js';

const SPLITS = ['test', 'val', 'train', 'all'] as const;
type SplitFlag = (typeof SPLITS)[number];
const ID = { min: 1, max: Number.MAX_SAFE_INTEGER };

/** The request the Review view sends, checked like every contract call; `--model` and `--dataset` must exist. */
function scoreRequest(project: Project, modelId: number, datasetId: number | undefined, split: SplitFlag): InferPayload {
  const model = getModel(project.db, modelId);
  if (!model) {
    const known = listModels(project.db).map((m) => `${m.id} (${m.status})`);
    throw new AppError('not_found', `--model ${modelId}: no such model in ${project.dir} (models: ${known.join(', ') || 'none yet; train one first'})`);
  }
  if (model.status !== 'ready') throw new AppError('conflict', `--model ${modelId}: model ${modelId} is not ready (${model.status}); only a ready model can score`);
  if (datasetId !== undefined && !getDataset(project.db, datasetId)) {
    const known = listDatasets(project.db).map((d) => `${d.id} (${d.name})`);
    throw new AppError('not_found', `--dataset ${datasetId}: no such dataset in ${project.dir} (datasets: ${known.join(', ') || 'none'})`);
  }
  const req = modelMethods['models.infer'].request.parse({
    id: model.id,
    ...(datasetId !== undefined ? { datasetId } : {}),
    ...(split !== 'all' ? { split } : {}),
  });
  return { modelId: model.id, datasetId: req.datasetId, split: req.split, maps: req.maps, evaluate: req.evaluate, batchSize: req.batchSize };
}

/** Progress on stderr every tenth, as `train` prints it: percent, images, throughput and the time left. */
function progressPrinter(io: CliIo, verbose: boolean) {
  let lastTenth = -1;
  return (f: number, msg: string, d?: { done: number; total: number; imagesPerSecond: number }) => {
    const tenth = Math.floor(f * 10);
    if (!verbose && tenth === lastTenth) return;
    lastTenth = tenth;
    const eta = d && d.done < d.total ? ` (ETA ${Math.ceil((d.total - d.done) / Math.max(d.imagesPerSecond, 1e-6))} s)` : '';
    io.err(`[${String(Math.floor(f * 100)).padStart(3)}%] ${msg}${d ? `, ${d.imagesPerSecond.toFixed(1)} images/s` : ''}${eta}`);
  };
}

export const scoreCommand: CliCommand = {
  name: 'score',
  summary: "Score a project's images with a ready model and store the results (as Review's \"Run inference\")",
  usage: [
    'flowspect score PROJECT --model ID [--split test|val|train|all] [--dataset ID] [--json]',
    'Defaults: the test split of the model’s dataset. Results and heatmaps are stored in the project for',
    '`flowspect eval`, `flowspect report` and the Review view; scoring again replaces the results of the images it scores.',
    'Ctrl-C stops after the batch in flight: every stored batch is whole (one transaction per batch).',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, { model: { type: 'string' }, split: { type: 'string' }, dataset: { type: 'string' } });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one PROJECT folder');
    const modelId = intFlag(values.model, 'model', ID);
    if (modelId === undefined) throw new CliUsageError('--model ID is required');
    const split = (values.split ?? 'test') as SplitFlag;
    if (!SPLITS.includes(split)) throw new CliUsageError(`--split must be one of ${SPLITS.join(', ')} (got "${values.split}")`);
    const datasetId = intFlag(values.dataset, 'dataset', ID);

    const project = openProject(path.resolve(positionals[0]!));
    const controller = new AbortController();
    const onSignal = (): void => controller.abort(new AppError('cancelled', 'cancelled (SIGINT)'));
    process.once('SIGINT', onSignal);
    let stored = { done: 0, total: 0 };
    try {
      const payload = scoreRequest(project, modelId, datasetId, split);
      const print = progressPrinter(io, globals.verbose);
      const r = await runInference(project, {
        ...payload,
        signal: controller.signal,
        progress: (f, msg, d) => {
          if (d) stored = { done: d.done, total: d.total };
          print(f, msg, d);
        },
      }).catch((err) => {
        if (!controller.signal.aborted) throw err;
        throw new AppError(
          'cancelled',
          `cancelled (SIGINT) after ${stored.done} of ${stored.total || 'the'} images: the results of those ${stored.done} are stored, whole batches only; run score again to score them all`,
          { stored: stored.done, total: stored.total },
        );
      });
      const scope = { split, datasetId: payload.datasetId ?? getModel(project.db, modelId)!.datasetId };
      printResult(io, globals, { ...r, ...scope }, () => [
        `model ${r.modelId} scored ${r.images} images (split ${split}, dataset ${scope.datasetId ?? 'any'}) on ${r.executionProvider} in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s)`,
        `  verdicts: ${Object.entries(r.verdicts).map(([v, n]) => `${n} ${v}`).join(', ')}`,
        `  stored in ${project.dir}; next: flowspect eval ${positionals[0]} --model ${r.modelId}`,
      ]);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      project.close();
    }
  },
};
