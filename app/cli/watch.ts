/**
 * `flowspect watch`: the line station. Scores every image that appears in a folder with a project's ready model,
 * stores each verdict in the project (Review shows it) and sends it out as a line message: appended to --out (or
 * printed on stdout without it), POSTed to --webhook, published to --mqtt. The watcher is app/watch; this file
 * parses the flags, prints progress on stderr, and turns SIGINT/SIGTERM into a clean stop (the batch in flight is
 * stored and sent, the outboxes drained, the project lock released, exit 0).
 */
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { getModel, listModels } from '../store/models.js';
import { openProject } from '../store/project.js';
import { checkTopic, parseMqttUrl } from '../watch/outputs/mqtt.js';
import { parseWebhookUrl } from '../watch/outputs/webhook.js';
import { Watcher, type WatchSummary } from '../watch/watcher.js';
import { CliUsageError, intFlag, parseCommandArgs, type CliCommand } from './types.js';

const ID = { min: 1, max: Number.MAX_SAFE_INTEGER };

const FLAGS = {
  model: { type: 'string' },
  in: { type: 'string' },
  out: { type: 'string' },
  'move-to': { type: 'string' },
  webhook: { type: 'string' },
  mqtt: { type: 'string' },
  topic: { type: 'string' },
  batch: { type: 'string' },
  'settle-ms': { type: 'string' },
} as const;

function summaryLines(s: WatchSummary): string[] {
  const c = s.counts;
  const lines = [`judged ${s.judged} part(s) in ${s.seconds.toFixed(1)} s: ${c.accept} accept, ${c.review} review, ${c.reject} reject, ${c.error} error`];
  if (s.resultsFile) lines.push(`  results: ${s.resultsFile}`);
  for (const [name, st] of Object.entries(s.outputs)) {
    lines.push(`  ${name}: ${st.delivered} delivered, ${st.retries} retries, ${st.failed} failed, ${st.dropped} dropped (outbox full), ${st.abandoned} not delivered at exit`);
  }
  if (s.error) lines.push(`  ${s.error}`);
  return lines;
}

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'Score every image that appears in a folder (the line station): verdicts to a JSONL file, webhook, MQTT and Review',
  usage: [
    'flowspect watch PROJECT --model ID --in DIR [--out results.jsonl] [--move-to DIR] [--webhook URL] [--mqtt URL --topic T]',
    '                [--batch 1-64] [--settle-ms MS] [--json] [--verbose]',
    'A file is read once complete (unchanged for --settle-ms, default 200) — write under a .tmp/.part or dot name and',
    'rename into place. One JSON line per verdict ({file, score, verdict, model, time, map?, reason?}; docs/line.md),',
    'on stdout when --out is not given. Files judged before (also by an earlier run) are never judged again.',
    'Ctrl-C or SIGTERM: the batch in flight is stored and sent, outputs are flushed, exit 0.',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one PROJECT folder');
    const modelId = intFlag(values.model, 'model', ID);
    if (modelId === undefined) throw new CliUsageError('--model ID is required');
    if (!values.in) throw new CliUsageError('--in DIR is required (the folder parts arrive in)');
    if (values.topic && !values.mqtt) throw new CliUsageError('--topic needs --mqtt URL');
    const batchSize = intFlag(values.batch, 'batch', { min: 1, max: 64 }) ?? 8;
    const settleMs = intFlag(values['settle-ms'], 'settle-ms', { min: 20, max: 60_000 }) ?? 200;
    const webhook = values.webhook !== undefined ? parseWebhookUrl(values.webhook) : undefined;
    const mqtt = values.mqtt !== undefined ? { url: parseMqttUrl(values.mqtt), topic: checkTopic(values.topic) } : undefined;

    const project = openProject(path.resolve(positionals[0]!));
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    let watcher: Watcher | null = null;
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      io.err(signalled ? `${signal}: already stopping (storing the batch in flight, flushing outputs)` : `${signal}: stopping after the batch in flight`);
      signalled = true;
      void watcher?.stop('finish');
    };
    for (const s of signals) process.on(s, onSignal);
    let status: NodeJS.Timeout | undefined;
    try {
      const model = getModel(project.db, modelId);
      if (!model) {
        const known = listModels(project.db).map((m) => `${m.id} (${m.status})`);
        throw new AppError('not_found', `--model ${modelId}: no such model in ${project.dir} (models: ${known.join(', ') || 'none yet; train one first'})`);
      }
      watcher = await Watcher.start(project, {
        modelId,
        dir: values.in,
        moveTo: values['move-to'],
        outputs: { out: values.out, webhook, mqtt },
        batchSize,
        settleMs,
        log: { info: (m) => io.err(m), warn: (m) => io.err(`warning: ${m}`) },
        onVerdict: (v) => {
          if (!values.out) io.out(v.line);
          if (globals.verbose || v.message.verdict === 'error') io.err(`${v.message.verdict.padEnd(6)} ${v.message.file}${v.message.reason ? `: ${v.message.reason}` : ''}`);
        },
      });
      const w = watcher;
      // A signal during start-up (loading the model) stops it as soon as it runs.
      if (signalled) void w.stop('finish');
      else io.err('ready (Ctrl-C to stop)');
      status = setInterval(() => {
        const c = w.counts;
        io.err(`${w.rate.perSecond().toFixed(1)} parts/s; ${c.accept} accept, ${c.review} review, ${c.reject} reject, ${c.error} error; ${w.queued} queued${w.isPaused ? ' (paused)' : ''}`);
      }, 10_000);
      status.unref();
      await w.finished; // a signal's stop, or a failure
      const summary = await w.stop('finish');
      // stdout may be the stream of line messages: the summary goes to stderr (as JSON on stdout with --json).
      if (globals.json) io.out(JSON.stringify(summary));
      else for (const line of summaryLines(summary)) io.err(line);
      return summary.error ? 1 : 0;
    } finally {
      clearInterval(status);
      for (const s of signals) process.off(s, onSignal);
      project.close();
    }
  },
};
