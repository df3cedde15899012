import type { RequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestIdOf } from '../common/request-id.js';
import type { LogLevel } from '../config/app-config.js';

/** The process's one pino logger (JSON lines on stdout); credentials in request headers are never written. */
export function createRootLogger(level: LogLevel): Logger {
  return pino({ level, redact: ['req.headers.authorization', 'req.headers.cookie'] });
}

/** One log line per HTTP request, carrying the request id that error bodies also show. */
export function httpLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (request) => requestIdOf(request),
    customSuccessMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
  });
}
