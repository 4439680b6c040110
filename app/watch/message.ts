/**
 * The line message for the line outputs: its zod schema (the one in app/core, re-exported here for the outputs and
 * the tests), its JSON Schema (as printed in docs/line.md) and the one way a message becomes a line: checked
 * against the schema first, so nothing malformed — above all a pass without a score — leaves the watcher.
 */
import { z } from 'zod';
import { type LineMessage, LineMessageSchema, LINE_MESSAGE_VERSION } from '../core/line-message.js';

export { type LineMessage, LineMessageSchema, LINE_MESSAGE_VERSION } from '../core/line-message.js';

/** The JSON Schema of a line message (draft 2020-12), for consumers that validate what they receive. */
export function lineMessageJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(LineMessageSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  // The schema's cross-field rule (zod's refinement does not carry over): an error names its reason and may have no
  // score; every other verdict has a number and no reason.
  const rule = {
    if: { properties: { verdict: { const: 'error' } } },
    then: { required: ['reason'] },
    else: { properties: { score: { type: 'number' } }, not: { required: ['reason'] } },
  };
  return { $id: `https://flowspect.dev/schemas/line-message-v${LINE_MESSAGE_VERSION}.json`, title: 'Flowspect line message', ...schema, ...rule };
}

/** The message as one JSON text (no newline), after checking it against the schema. */
export function encodeLineMessage(message: LineMessage): string {
  return JSON.stringify(LineMessageSchema.parse(message));
}
