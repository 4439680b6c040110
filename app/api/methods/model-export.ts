/** Exporting a model from the workstation: the `flowspect export --triton` package as a job with progress. */
import { z } from 'zod';
import { defineMethod } from '../define.js';
import { AbsPath, Id, Job } from '../../core/schemas.js';
import { Precision } from '../../core/domain.js';

export const modelExportMethods = {
  'models.exportPackage': defineMethod({
    summary:
      'Start an `export` job writing a ready model into one folder: <name>.onnx (thresholds in its metadata), <name>.card.json ' +
      'and, unless triton: false, a Triton model repository under triton/. The folder must be new, empty, or hold an earlier export of that model; ' +
      "the job's result lists the files. precision 'int8' quantizes the backbone, checked against fp32 on the project's images " +
      '(its thresholds lowered by the largest score drop; refused when int8 would change verdicts too much).',
    request: z
      .object({ id: Id, outDir: AbsPath, triton: z.boolean().default(true), maxBatchSize: z.number().int().min(1).max(1024).optional(), precision: Precision.default('fp32') })
      .strict(),
    response: Job,
  }),
};
