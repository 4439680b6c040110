import fs from 'node:fs';
import path from 'node:path';
import type { EventBus } from './event-bus.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Folder of the rotating JSON-lines file; no file when omitted. */
  readonly dir?: string;
  readonly level?: LogLevel;
  /** Also write human-readable lines to stderr (the CLI's --verbose). */
  readonly stderr?: boolean;
  readonly bus?: EventBus;
  readonly maxBytes?: number;
  readonly keep?: number;
}

/**
 * Structured logs: one JSON object per line in `<dir>/flowspect.log`, rotated by size (flowspect.log.1 …) so a
 * factory PC that runs for months never fills its disk. Errors carry their job and project in `data`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const keep = options.keep ?? 3;
  const file = options.dir ? path.join(options.dir, 'flowspect.log') : undefined;
  if (options.dir) fs.mkdirSync(options.dir, { recursive: true });

  function rotate(f: string): void {
    for (let i = keep - 1; i >= 1; i--) {
      if (fs.existsSync(`${f}.${i}`)) fs.renameSync(`${f}.${i}`, `${f}.${i + 1}`);
    }
    fs.renameSync(f, `${f}.1`);
  }

  function log(lvl: LogLevel, message: string, data?: Record<string, unknown>): void {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = new Date().toISOString();
    if (file) {
      try {
        if (fs.existsSync(file) && fs.statSync(file).size > maxBytes) rotate(file);
        fs.appendFileSync(file, JSON.stringify({ time, level: lvl, message, ...(data ? { data } : {}) }) + '\n');
      } catch {
        // Logging must never take the app down (read-only disk, full disk): drop the line.
      }
    }
    if (options.stderr) process.stderr.write(`[${lvl}] ${message}${data ? ' ' + JSON.stringify(data) : ''}\n`);
    options.bus?.emit('log', { level: lvl, message, time, ...(data ? { data } : {}) });
  }

  return {
    log,
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warn: (m, d) => log('warn', m, d),
    error: (m, d) => log('error', m, d),
  };
}
