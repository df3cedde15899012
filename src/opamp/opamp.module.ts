import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AgentAdmission } from './agent-admission.js';
import { AgentAuth } from './agent-auth.js';
import { AgentOutbox } from './agent-outbox.js';
import { AgentOutboxRepository } from './agent-outbox.repository.js';
import { AgentMessageHandlers } from './agent-message-handlers.js';
import { OpampGateway } from './opamp-gateway.js';
import { HttpSessionExpiry } from './http-session-expiry.js';
import { OpampHttpRoutes } from './opamp-http-routes.js';
import { OpampHttpTransport } from './opamp-http-transport.js';
import { OpampMessageService } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { OpampServer } from './opamp-server.js';
import { OpampWsGateway } from './opamp-ws.gateway.js';
import { OpampCodec } from './proto/opamp-codec.js';
import { SessionRegistry } from './session-registry.js';

/**
 * The protocol: transports on OPAMP_PORT, framing, the live-session registry and the rules of
 * the server side of OpAMP. This module imports no feature module, auth included; features reach
 * agents through OpampGateway and plug in one way, by decorating their providers:
 *
 * - `@AgentMessageHandler(HandlerOrder.X, { capabilities })`: called for every AgentToServer at
 *   its place in HandlerOrder (handler-order.ts names every place); the capabilities it brings
 *   are announced in every first reply.
 * - `@AgentAuthenticator()`: checks enrollment keys (at most one per application).
 * - `@OpampHttpRoute('/v1/...')`: serves GET/HEAD under a path prefix on the OpAMP port.
 *
 * AgentMessageHandlers and OpampHttpRoutes find them with Nest's DiscoveryService once, at
 * bootstrap (onModuleInit: this global module's hooks run before any feature's), and refuse a
 * wiring mistake there (two handlers of one name, two authenticators, overlapping routes, a class
 * provided twice). Per message, dispatch is a walk over an array built then. The same pattern
 * serves the floors above: @AgentDetailContributor (agents) and @ConfigChangeListener
 * (configurations).
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: OpampCodec, useFactory: () => new OpampCodec() },
    AgentMessageHandlers,
    OpampHttpRoutes,
    SessionRegistry,
    OpampMetrics,
    AgentOutbox,
    AgentOutboxRepository,
    OpampGateway,
    OpampMessageService,
    AgentAuth,
    AgentAdmission,
    HttpSessionExpiry,
    OpampWsGateway,
    OpampHttpTransport,
    OpampServer,
  ],
  exports: [OpampGateway, OpampCodec],
})
export class OpampModule {}
