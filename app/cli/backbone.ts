import path from 'node:path';
import { projectBackbones, importBackbone } from '../model/backbone/project-backbones.js';
import type { InputNormalization } from '../model/backbone/import.js';
import type { BackboneInfo } from '../core/backbone.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

const NORMALIZATIONS: readonly InputNormalization[] = ['imagenet', 'unit', 'minus1to1', 'none'];

function describe(b: BackboneInfo): string[] {
  return [
    `${b.name}  [${b.kind}]  sha256 ${b.sha256.slice(0, 16)}…  ${b.source}`,
    ...b.taps.map((t) => `  tap ${t.name}: ${t.channels} ch, stride ${t.stride}`),
  ];
}

export const backboneCommand: CliCommand = {
  name: 'backbone',
  summary: 'List backbones, import an ONNX backbone into a project, build the built-in one',
  usage: [
    'flowspect backbone list [PROJECT] [--json]',
    'flowspect backbone import PROJECT FILE.onnx [--taps a,b,c] [--name NAME] [--normalization imagenet|unit|minus1to1|none] [--bgr] [--size 256] [--json]',
    'flowspect backbone build [--json]      (builds the built-in backbones in native-models/generated if missing or stale)',
  ].join('\n'),
  async run(argv, io, globals) {
    const [sub, ...rest] = argv;
    if (sub === 'list') {
      const { positionals } = parseCommandArgs(rest, {});
      if (positionals.length > 1) throw new CliUsageError('expected at most one project folder');
      const project = positionals[0] ? openProject(path.resolve(positionals[0]), { readonly: true }) : null;
      try {
        const backbones = projectBackbones(project);
        printResult(io, globals, { backbones }, () => backbones.flatMap(describe));
      } finally {
        project?.close();
      }
      return 0;
    }
    if (sub === 'import') {
      const { values, positionals } = parseCommandArgs(rest, {
        taps: { type: 'string' },
        name: { type: 'string' },
        normalization: { type: 'string' },
        bgr: { type: 'boolean' },
        size: { type: 'string' },
      });
      if (positionals.length !== 2) throw new CliUsageError('expected PROJECT and FILE.onnx');
      const normalization = (values.normalization ?? 'imagenet') as InputNormalization;
      if (!NORMALIZATIONS.includes(normalization)) throw new CliUsageError(`--normalization must be one of ${NORMALIZATIONS.join(', ')}`);
      const taps = values.taps?.split(',').map((t) => t.trim()).filter(Boolean);
      if (values.taps !== undefined && !taps?.length) throw new CliUsageError('--taps needs comma-separated tensor names');
      const project = openProject(path.resolve(positionals[0]));
      try {
        const result = await importBackbone(project, path.resolve(positionals[1]), {
          name: values.name,
          taps,
          normalization,
          channelOrder: values.bgr ? 'bgr' : 'rgb',
          dryRunSize: intFlag(values.size, 'size', { min: 16, max: 4096 }),
        });
        printResult(io, globals, result, () => [
          `imported ${result.backbone.name} (${result.prepared.autoTaps ? 'taps detected' : 'taps given'}; kept ${result.prepared.nodesKept} of ${result.prepared.nodesTotal} nodes)`,
          ...describe(result.backbone),
        ]);
      } finally {
        project.close();
      }
      return 0;
    }
    if (sub === 'build') {
      parseCommandArgs(rest, {}, false);
      const { BUILTIN_MANIFESTS, ensureBuiltinBackbone } = await import('../../native-models/build-backbones.js');
      const results = BUILTIN_MANIFESTS.map((manifest) => ensureBuiltinBackbone({ manifest }));
      printResult(io, globals, results, () => results.map((r) => `${r.rebuilt ? 'built' : 'up to date'}: ${r.path} (sha256 ${r.sha256})`));
      return 0;
    }
    throw new CliUsageError(`unknown subcommand "${sub ?? ''}": use list, import or build`);
  },
};
