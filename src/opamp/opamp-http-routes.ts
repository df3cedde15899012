import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A plain HTTP handler on the OpAMP port (agents reach only that port). It receives the request
 * after the path matched; it must answer it completely, including errors.
 */
export type OpampHttpRoute = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>;

/** Extra GET routes features serve to agents on the OpAMP port, e.g. package downloads. */
@Injectable()
export class OpampHttpRoutes {
  private readonly routes: Array<{ prefix: string; route: OpampHttpRoute }> = [];

  /** `prefix` is a path prefix such as `/v1/packages/`; `/v1/opamp` itself is reserved. */
  register(prefix: string, route: OpampHttpRoute): void {
    if (prefix.startsWith('/v1/opamp')) {
      throw new Error('/v1/opamp is the OpAMP endpoint itself');
    }
    this.routes.push({ prefix, route });
  }

  match(pathname: string): OpampHttpRoute | undefined {
    return this.routes.find((entry) => pathname.startsWith(entry.prefix))?.route;
  }
}
