/**
 * The server's log: one JSON object a line on stdout, through pino, at
 * LOG_LEVEL. The rest of the code logs through yoga's `YogaLogger`
 * (`logger.info(message, ...more)`); `yogaLoggerOf` turns those calls into
 * pino lines: the first Error becomes `err` (message, stack, code…), a plain
 * object's keys become fields, anything else joins the message.
 */
import { inspect } from 'node:util';
import type { YogaLogger } from 'graphql-yoga';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger } from 'pino';

/** A JSON logger; `destination` is for tests, stdout otherwise. */
export function createJsonLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"info" rather than pino's numbers: readable, and what log shippers expect.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Keys pino writes itself; a logged object may not overwrite them. */
const RESERVED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

export function yogaLoggerOf(logger: Logger): YogaLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (!logger.isLevelEnabled(level)) return;
      const fields: Record<string, unknown> = {};
      const words: string[] = [];
      for (const arg of args) {
        if (arg instanceof Error) {
          if (fields.err === undefined) fields.err = arg;
          else words.push(String(arg));
        } else if (typeof arg === 'string') {
          words.push(arg);
        } else if (isPlainObject(arg)) {
          for (const [key, value] of Object.entries(arg)) {
            if (!RESERVED.has(key) && value !== undefined) fields[key] = value;
          }
        } else {
          words.push(inspect(arg, { breakLength: Infinity }));
        }
      }
      const message = words.join(' ') || (fields.err as Error | undefined)?.message || '';
      logger[level](fields, message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
