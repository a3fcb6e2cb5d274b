import pino, { type Logger } from 'pino';

export type { Logger };

/** A pino logger writing JSON lines to stdout, or to `destination` (a command line tool: stderr). */
export function createLogger(level: string, name = 'meterstream', destination?: pino.DestinationStream): Logger {
  return destination ? pino({ name, level, base: { service: name } }, destination) : pino({ name, level, base: { service: name } });
}
