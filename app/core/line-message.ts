/**
 * The line message: what `flowspect watch` (and the workstation's Live view) says about one part that arrived in the
 * watched folder — one JSON line in the results file, the body of a webhook POST, the payload of an MQTT publish,
 * and the heart of the `live.verdict` event. It lives in core because the event schemas (core/events.ts) carry it;
 * app/watch re-exports it for the line outputs and docs/line.md documents it (the JSON Schema there is generated
 * from this one). Pure zod: the renderer may import the type.
 */
import { z } from 'zod';
import { VerdictSchema } from './bands.js';

export const LINE_MESSAGE_VERSION = 1;

export const LineMessageSchema = /* @__PURE__ */ z
  .strictObject({
    file: z.string().min(1).describe('Absolute path of the file where it arrived (before any --move-to).'),
    score: z.number().nullable().describe("The model's image score; null only with verdict 'error' (JSON has no NaN)."),
    verdict: VerdictSchema.describe("accept | review | reject | error; only 'accept' passes a part."),
    model: z.number().int().positive().describe("The id of the project's model that judged it."),
    time: z.iso.datetime().describe('When the verdict was reached (ISO 8601, UTC).'),
    map: z.string().min(1).optional().describe('Absolute path of the anomaly-map PNG stored in the project (absent for an error).'),
    reason: z.string().min(1).optional().describe("Why the part could not be judged; present exactly when verdict is 'error'."),
  })
  .superRefine((m, ctx) => {
    // A message that could pass a part without a score, or an error without its reason, is refused at the source.
    if (m.verdict !== 'error' && m.score === null) ctx.addIssue({ code: 'custom', path: ['score'], message: `verdict ${m.verdict} needs a score` });
    if (m.verdict === 'error' && !m.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'an error verdict names its reason' });
    if (m.verdict !== 'error' && m.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only an error verdict carries a reason' });
  });

export type LineMessage = z.infer<typeof LineMessageSchema>;
