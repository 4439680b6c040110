import { z } from 'zod';
import { AbsPath } from '../core/schemas.js';

/** What an import job (and the `datasets.import` method) takes; validated before anything is read. */
export const ImportPayload = z
  .object({
    // Absolute only: a relative path would silently depend on the main process's working folder.
    source: AbsPath,
    format: z.enum(['auto', 'mvtec', 'btad', 'visa', 'folder']).default('auto'),
    storage: z.enum(['copy', 'reference']).default('copy'),
    csv: z.string().max(4096).optional(),
    categories: z.array(z.string().min(1).max(200)).max(1000).optional(),
    namePrefix: z.string().max(100).optional(),
    threads: z.number().int().min(1).max(16).optional(),
    maxPixels: z.number().int().min(1).max(2_000_000_000).optional(),
  })
  .strict();
export type ImportPayload = z.input<typeof ImportPayload>;
