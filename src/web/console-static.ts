import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Server paths that must never fall back to the console's index.html. */
const SERVER_PREFIXES = ['/api', '/swagger', '/health', '/metrics'];

/** The console's build (web/dist), looked up from both the sources (tests) and dist/src (production). */
export function findConsoleDir(start = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'web', 'dist', 'index.html');
    if (fs.existsSync(candidate)) {
      return path.dirname(candidate);
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

function isServerPath(url: string): boolean {
  return SERVER_PREFIXES.some(
    (prefix) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`),
  );
}

/**
 * Serves the web console at `/`: hashed assets with long caching, and index.html for client
 * routes (GET requests that accept HTML and are not API, docs, health or metrics paths).
 * Returns false when no console build exists.
 */
export function serveConsole(app: NestExpressApplication, dir = findConsoleDir()): boolean {
  if (!dir) {
    return false;
  }
  const indexHtml = path.join(dir, 'index.html');
  app.useStaticAssets(dir, {
    index: false,
    setHeaders: (res: Response, file: string) => {
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path) || !req.accepts('html')) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return true;
}
