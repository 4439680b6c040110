import { z } from 'zod';

/** One contract method: its zod schemas are the single source of truth for the request and response types. */
export interface MethodSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly response: Res;
  readonly summary: string;
}

export function defineMethod<Req extends z.ZodType, Res extends z.ZodType>(spec: MethodSpec<Req, Res>): MethodSpec<Req, Res> {
  return spec;
}

export type MethodGroup = Record<string, MethodSpec>;

/** Handlers of a group receive the parsed request and return the response (validated by the dispatcher). */
export type HandlerGroup<G extends MethodGroup, Ctx> = {
  readonly [K in keyof G]: (request: z.output<G[K]['request']>, ctx: Ctx) => Promise<z.input<G[K]['response']>> | z.input<G[K]['response']>;
};

/** Requests with no parameters still take an object, so every method's params are extensible. */
export const Empty = z.object({}).strict();
export const Ok = z.object({ ok: z.literal(true) });
