import type { HandlerContext } from '../../context.js';
import { AppError } from '../../core/errors.js';
import { compareStoredResults } from '../../eval/compare-models.js';
import { MetricInputError } from '../../eval/errors.js';
import type { HandlerGroup } from '../define.js';
import type { modelCompareMethods } from '../methods/model-compare.js';

export const modelCompareHandlers: HandlerGroup<typeof modelCompareMethods, HandlerContext> = {
  'models.compare': (req, { app }) => {
    try {
      return compareStoredResults(app.project(), req.baselineId, req.candidateId, { split: req.split, datasetId: req.datasetId });
    } catch (err) {
      if (err instanceof MetricInputError) throw new AppError(/does not exist/.test(err.message) ? 'not_found' : 'invalid_request', err.message);
      throw err;
    }
  },
};
