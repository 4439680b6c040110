import { AppError, type ErrorCode } from '../core/errors.js';

/** Report and export failures: an AppError so every transport shows `{code, message}` unchanged. */
export class ReportError extends AppError {
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'ReportError';
  }
}
