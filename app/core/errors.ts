/**
 * The one error shape that crosses every boundary (IPC, HTTP, CLI): `{ code, message, details }`.
 * Services throw AppError; transports serialise it. Anything else is reported as `internal`.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unknown_method'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'conflict'
  | 'no_project'
  | 'project_too_new'
  /** Another process holds the project's writer lock (store/lock.ts); it can still be opened read-only. */
  | 'project_locked'
  /** A change was asked of a project that is open read-only. */
  | 'read_only'
  | 'invalid_file'
  | 'cancelled'
  | 'unavailable'
  | 'internal';

export interface ApiErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ApiErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof AppError) return err.toBody();
  const message = err instanceof Error ? err.message : String(err);
  // SQLite's answer to a write on a read-only connection (a project opened read-only): the caller's mistake, not ours.
  if ((err as { code?: unknown } | null)?.code === 'SQLITE_READONLY') {
    return { code: 'read_only', message: `the project is open read-only, so nothing was changed (${message})` };
  }
  return { code: 'internal', message };
}

/** HTTP status for an error code; IPC carries the code itself. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_request':
    case 'invalid_file':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'unknown_method':
      return 404;
    case 'conflict':
    case 'no_project':
    case 'project_too_new':
    case 'project_locked':
    case 'read_only':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'cancelled':
      return 499;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}
