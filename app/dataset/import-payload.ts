import { z } from 'zod';

/** What an import job (and the `datasets.import` method) takes; validated before anything is read. */
export const ImportPayload = z
  .object({
    source: z
      .string()
      .min(1, 'a source folder is required')
      .max(4096)
      .refine((p) => !p.includes('\0'), 'a path may not contain NUL characters')
      // Absolute only: a relative path would silently depend on the main process's working folder.
      .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'the source folder must be an absolute path'),
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
