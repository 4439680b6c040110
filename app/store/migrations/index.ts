import { initial } from './001-initial.js';
import { datasetIndexes } from './002-datasets.js';
import { scoreIndex } from './003-score-index.js';
import { originalPath } from './004-original-path.js';
import { verdictError } from './005-verdict-error.js';
import { liveFiles } from './006-live-files.js';
import type { Migration } from './types.js';

/** Every migration, in order. Append new ones; never edit a landed one. */
export const migrations: readonly Migration[] = [initial, datasetIndexes, scoreIndex, originalPath, verdictError, liveFiles];
