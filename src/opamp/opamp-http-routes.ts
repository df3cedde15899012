import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { discoverHooks } from '../common/discovered-hooks.js';

/**
 * A plain HTTP handler on the OpAMP port (agents reach only that port). It receives GET and HEAD
 * requests whose path starts with its prefix; it must answer them completely, including errors.
 */
export interface OpampHttpRouteHandler {
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
}

const ROUTE = DiscoveryService.createDecorator<{ prefix: string }>();

/**
 * Marks a provider as the handler of a path prefix on the OpAMP port, e.g. `/v1/packages/`.
 * `/v1/opamp` itself is reserved, and no prefix may start another (which would win would depend
 * on module order).
 */
export const OpampHttpRoute = (prefix: string): ClassDecorator => ROUTE({ prefix });

/** Extra GET routes features serve to agents on the OpAMP port, found at bootstrap. */
@Injectable()
export class OpampHttpRoutes implements OnModuleInit {
  private routes: ReadonlyArray<{ prefix: string; route: OpampHttpRouteHandler }> = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const found = discoverHooks<OpampHttpRouteHandler, { prefix: string }>(this.discovery, ROUTE, 'OpAMP HTTP route');
    for (const [i, { options, className }] of found.entries()) {
      if (!options.prefix.startsWith('/') || options.prefix.startsWith('/v1/opamp')) {
        throw new Error(`OpAMP HTTP route ${className}: "${options.prefix}" is not a path outside /v1/opamp`);
      }
      const clash = found.find((other, j) => j !== i && options.prefix.startsWith(other.options.prefix));
      if (clash) {
        throw new Error(
          `OpAMP HTTP routes ${className} ("${options.prefix}") and ${clash.className} ("${clash.options.prefix}") overlap`,
        );
      }
    }
    this.routes = found.map(({ options, instance }) => ({ prefix: options.prefix, route: instance }));
  }

  match(pathname: string): OpampHttpRouteHandler | undefined {
    return this.routes.find((entry) => pathname.startsWith(entry.prefix))?.route;
  }
}
