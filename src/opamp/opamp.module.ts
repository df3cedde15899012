import { Global, Module } from '@nestjs/common';
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
 * the server side of OpAMP. Features plug in through AgentMessageHandlers (message handlers with
 * their server capabilities, the agent authenticator) and OpampHttpRoutes, and reach agents through
 * OpampGateway; this module imports none of them, auth included.
 */
@Global()
@Module({
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
  exports: [AgentMessageHandlers, OpampHttpRoutes, OpampGateway, OpampCodec],
})
export class OpampModule {}
