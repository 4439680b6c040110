import { z } from 'zod';
import type { HandlerContext } from '../context.js';
import { isMethodName, methods } from './contract.js';
import { AppError, toErrorBody, type ApiErrorBody } from '../core/errors.js';
import { handlers } from './handlers/index.js';

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`)
    .join('; ');
}

/**
 * Validates a raw call against the contract, runs its handler and validates the answer. Never throws: every
 * failure becomes a typed error body, so no transport can be crashed by bad input.
 */
export async function dispatch(method: string, params: unknown, ctx: HandlerContext): Promise<DispatchResult> {
  try {
    if (!isMethodName(method)) throw new AppError('unknown_method', `unknown method "${method}"`);
    const spec = methods[method];
    const parsed = spec.request.safeParse(params ?? {});
    if (!parsed.success) {
      throw new AppError('invalid_request', `invalid request for ${method}: ${describeIssues(parsed.error)}`, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
      });
    }
    const handler = handlers[method] as (req: unknown, c: HandlerContext) => unknown;
    const raw = await handler(parsed.data, ctx);
    const checked = spec.response.safeParse(raw);
    if (!checked.success) {
      ctx.app.log.error(`handler ${method} answered outside its schema: ${describeIssues(checked.error)}`);
      throw new AppError('internal', `${method} produced an invalid response`);
    }
    return { ok: true, result: checked.data };
  } catch (err) {
    const body = toErrorBody(err);
    if (body.code === 'internal') ctx.app.log.error(`${method} failed: ${body.message}`, { method });
    return { ok: false, error: body };
  }
}
