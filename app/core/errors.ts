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
