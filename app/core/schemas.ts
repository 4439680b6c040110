import { z } from 'zod';

/** Shared building blocks of the contract's schemas. */
export const Id = z.number().int().positive();
export const IsoTime = z.string();
/**
 * True for an absolute path: `/…` on POSIX; on Windows `C:\…`, `C:/…` or `\\server\share…` (a drive-relative `C:x`
 * or a driveless `\x` is not). Written out rather than `path.isAbsolute` because the renderer imports this file and
 * has no Node modules; there (no `process`) both forms count, the main process decides for its own platform.
 */
export function isAbsolutePath(p: string, platform = (globalThis as { process?: { platform?: string } }).process?.platform): boolean {
  const windows = /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\/]/.test(p);
  if (platform === 'win32') return windows;
  return p.startsWith('/') || (platform === undefined && windows);
}

/**
 * A path the main process will open: absolute (the server's working folder is nobody's business), no NUL. A
 * relative path is refused with a message that names it.
 */
export const AbsPath = z
  .string()
  .min(1, 'a path is required')
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path may not contain NUL characters')
  .refine((p) => p === '' || p.includes('\0') || isAbsolutePath(p), { error: (iss) => `path "${String(iss.input)}" is relative; it must be an absolute path` });

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: Id,
  kind: z.string(),
  status: JobStatus,
  progress: z.number(),
  etaSeconds: z.number().nullable(),
  message: z.string(),
  payload: z.unknown(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  createdAt: IsoTime,
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  resumable: z.boolean(),
});
export type Job = z.infer<typeof Job>;

export const ProjectInfo = z.object({
  dir: z.string(),
  name: z.string(),
  createdAt: IsoTime,
  appVersion: z.string(),
  schemaVersion: z.number().int(),
  counts: z.object({
    datasets: z.number().int(),
    images: z.number().int(),
    models: z.number().int(),
    jobs: z.number().int(),
  }),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const RecentProject = z.object({ dir: z.string(), name: z.string(), openedAt: IsoTime, exists: z.boolean() });
export type RecentProject = z.infer<typeof RecentProject>;
