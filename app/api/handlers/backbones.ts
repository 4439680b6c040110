import type { HandlerContext } from '../../context.js';
import { importBackbone, projectBackbones, resolveBackbone } from '../../model/backbone/project-backbones.js';
import type { BackboneInfo } from '../../core/backbone.js';
import type { HandlerGroup } from '../define.js';
import type { backboneMethods } from '../methods/backbones.js';

const summary = (b: BackboneInfo) => ({ name: b.name, kind: b.kind, sha256: b.sha256, taps: [...b.taps], multipleOf: b.input.multipleOf, source: b.source });

export const backboneHandlers: HandlerGroup<typeof backboneMethods, HandlerContext> = {
  'backbones.list': (_req, { app }) => projectBackbones(app.currentProject()).map(summary),
  'backbones.import': async (req, { app }) => {
    const { backbone, prepared } = await importBackbone(app.writableProject(), req.path, {
      name: req.name,
      taps: req.taps,
      normalization: req.normalization,
      channelOrder: req.channelOrder,
      dryRunSize: req.size,
    });
    return { backbone: summary(backbone), autoTaps: prepared.autoTaps, nodesKept: prepared.nodesKept, nodesTotal: prepared.nodesTotal };
  },
  'backbones.extract': (req, { app }) => {
    const project = app.project();
    resolveBackbone(project, req.backbone); // unknown names fail now, not in the worker
    return app.jobs.start(project, 'features.extract', req);
  },
};
