import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

/**
 * Nest's start-up chatter ("Mapped {/api/v1/agents, GET} route", "XModule dependencies
 * initialized"): one line per route and module, useful when debugging routing, noise otherwise.
 */
const CHATTY_CONTEXTS = new Set([
  'RoutesResolver',
  'RouterExplorer',
  'InstanceLoader',
  'NestFactory',
  'NestApplication',
]);

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService on one pino logger. Accepts Nest's call shapes: `(message, context)` and
 * the structured `({ err, ... }, 'message', context)` used across the code base.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  setLogLevels(_levels: NestLogLevel[]): void {
    // The level is pino's (LOG_LEVEL); Nest's own filter would hide debug lines pino should decide on.
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    // Nest appends the logger's context as the last string parameter.
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const effective = level === 'info' && context !== undefined && CHATTY_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.pino.isLevelEnabled(effective)) {
      return;
    }
    const text = params.find((p): p is string => typeof p === 'string');
    if (message instanceof Error) {
      this.pino[effective]({ context, err: message }, text ?? message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[effective]({ context, ...(message as Record<string, unknown>) }, text);
    } else {
      // `error(message, stack, context)`: Nest passes the stack as a string.
      const stack = effective === 'error' && text?.includes('\n    at ') ? text : undefined;
      this.pino[effective]({ context, stack }, String(message));
    }
  }
}
