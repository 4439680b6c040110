/**
 * `flowspect images`: show images by id, and set their split and/or label (issue 23: "use for training" from the
 * CLI — a labelled defect moved to train with a defect mask is a training defect). One undoable change, the same
 * as the Dataset view's (`datasets.update`); a train defect without a mask is named, since training refuses it.
 */
import path from 'node:path';
import { IMAGE_LABELS, SPLITS, type ImageLabel, type Split } from '../core/domain.js';
import { AppError } from '../core/errors.js';
import { updateImages } from '../store/image-edits.js';
import { getImage } from '../store/images.js';
import { getMask } from '../store/masks.js';
import { openProject, type Project } from '../store/project.js';
import { openProjectForWriting } from './open-project.js';
import { printable } from './printable.js';
import { CliUsageError, parseCommandArgs, printResult, type CliCommand } from './types.js';

interface ImageFacts {
  readonly id: number;
  readonly name: string;
  readonly label: ImageLabel;
  readonly split: Split;
  readonly hasMask: boolean;
  /** A labelled defect of split train with a mask: CL-Flow learns from it. */
  readonly trainingDefect: boolean;
}

/** `--ids 1,2,3` as distinct positive ids, in the order given. */
export function parseIds(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') throw new CliUsageError('--ids 1,2,3 is required');
  const ids = value.split(',').map((s) => s.trim());
  for (const s of ids) if (!/^[1-9]\d*$/.test(s) || !Number.isSafeInteger(Number(s))) throw new CliUsageError(`--ids must be image ids separated by commas (got "${s}")`);
  return [...new Set(ids.map(Number))];
}

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliUsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function facts(project: Project, id: number): ImageFacts {
  const image = getImage(project.db, id);
  if (!image) throw new AppError('not_found', `image ${id} does not exist`);
  const hasMask = getMask(project.db, id, 'defect') !== undefined;
  const trainingDefect = image.label === 'defect' && image.split === 'train' && hasMask;
  return { id, name: image.originalPath, label: image.label, split: image.split, hasMask, trainingDefect };
}

function describe(f: ImageFacts): string {
  const state = f.trainingDefect ? ' — training defect' : f.label === 'defect' && f.split === 'train' ? ' — train defect WITHOUT a mask: training refuses it' : '';
  return `  ${f.id} ${printable(f.name)}: ${f.label}, ${f.split}${f.hasMask ? ', defect mask' : ''}${state}`;
}

export const imagesCommand: CliCommand = {
  name: 'images',
  summary: 'Show images by id and set their split and/or label (undoable, like the Dataset view); names training defects',
  usage: 'flowspect images PROJECT --ids 1,2,3 [--split train|val|test] [--label good|defect|ignore] [--json]',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, { ids: { type: 'string' }, split: { type: 'string' }, label: { type: 'string' } });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one PROJECT folder');
    const ids = parseIds(values.ids);
    const set = { split: choice(values.split, 'split', SPLITS), label: choice(values.label, 'label', IMAGE_LABELS) };
    const changes = set.split !== undefined || set.label !== undefined;
    const project = changes ? openProjectForWriting(positionals[0]!, io) : openProject(path.resolve(positionals[0]!), { readonly: true });
    try {
      for (const id of ids) facts(project, id); // every id exists before anything changes
      const what = [set.label && `label ${set.label}`, set.split && `split ${set.split}`].filter(Boolean).join('; ');
      const updated = changes ? updateImages(project.db, ids, set, `${ids.length === 1 ? 'image' : `${ids.length} images`}: ${what} (CLI)`).updated : 0;
      const images = ids.map((id) => facts(project, id));
      const unmasked = images.filter((f) => f.label === 'defect' && f.split === 'train' && !f.hasMask);
      for (const f of unmasked) io.err(`warning: image ${f.id} is a train defect without a defect mask: training refuses it until it has one (Review's "Mask from the map", or draw it in the Dataset view)`);
      printResult(io, globals, { updated, images }, () => [
        ...(changes ? [`updated ${updated} ${updated === 1 ? 'image' : 'images'} (${what}); undo from the Dataset view`] : []),
        ...images.map(describe),
      ]);
      return 0;
    } finally {
      project.close();
    }
  },
};
