import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { AgentAuth } from './agent-auth.js';
import { BodyTooLargeError, drained, readBody } from './http-body.js';
import { endpointOf, PROTOBUF, sendProtobufBody, sendText } from './http-replies.js';
import { OpampHttpRoutes } from './opamp-http-routes.js';
import { badRequest, OpampMessageService, type HandledMessage, type InboundContext } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { handlerFailed, OPAMP_PATH, RETRY_AFTER_SECONDS, unavailable } from './opamp-replies.js';
import { OpampCodec, OpampDecodeError } from './proto/opamp-codec.js';
import type { AgentToServer, ServerToAgent } from './proto/opamp.types.js';
import { SessionRegistry } from './session-registry.js';
import { isUuid, uuidFromBytes } from './uuid.js';

/** How long a refused (413) body may keep arriving before the connection is closed anyway. */
const REFUSED_BODY_DRAIN_MS = 5000;

/**
 * OpAMP over plain HTTP: each POST on /v1/opamp carries one AgentToServer and gets one
 * ServerToAgent (gzip both ways); other GET paths go to the routes features registered.
 */
@Injectable()
export class OpampHttpTransport {
  private readonly logger = new Logger(OpampHttpTransport.name);
  private readonly polls = new Set<Promise<void>>();
  /** Set at shutdown: polls are answered 503 and not handled. */
  private draining = false;

  constructor(
    private readonly config: AppConfig,
    private readonly codec: OpampCodec,
    private readonly messages: OpampMessageService,
    private readonly sessions: SessionRegistry,
    private readonly auth: AgentAuth,
    private readonly admission: AgentAdmission,
    private readonly routes: OpampHttpRoutes,
    private readonly metrics: OpampMetrics,
  ) {}

  /** Stops taking polls; resolves when the ones being handled are answered. */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.polls]);
  }

  async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://opamp.invalid');
    if (url.pathname !== OPAMP_PATH) {
      return this.onRoute(request, response, url);
    }
    if (this.draining) {
      return this.sendProtobuf(request, response, 503, unavailable(undefined), { 'Retry-After': '5' });
    }
    this.admission.httpInFlight += 1;
    const poll = this.onPoll(request, response);
    const tracked: Promise<void> = poll.catch(() => undefined).finally(() => this.polls.delete(tracked));
    this.polls.add(tracked);
    try {
      await poll;
    } catch (error) {
      this.logger.error({ err: error }, 'Failed to handle an HTTP poll');
      if (!response.headersSent) {
        this.sendProtobuf(request, response, 503, unavailable(undefined), { 'Retry-After': '5' });
      }
    } finally {
      this.admission.httpInFlight -= 1;
    }
  }

  private onRoute(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> | void {
    const route = request.method === 'GET' || request.method === 'HEAD' ? this.routes.match(url.pathname) : undefined;
    if (!route) {
      return sendText(response, 404, 'Not Found');
    }
    return route.handle(request, response, url).catch((error: unknown) => {
      this.logger.error({ err: error }, `Agent route ${url.pathname} failed`);
      if (!response.headersSent) {
        sendText(response, 500, 'Internal server error');
      } else {
        response.destroy();
      }
    });
  }

  private async onPoll(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      return sendText(response, 405, 'OpAMP over HTTP uses POST', { Allow: 'POST' });
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== PROTOBUF) {
      this.metrics.decodeErrors.inc({ transport: 'http', reason: 'content_type' });
      return sendText(response, 415, `Content-Type must be ${PROTOBUF}`);
    }
    const auth = await this.auth.authenticate(request);
    if (!auth.ok) {
      this.metrics.refused.inc({ reason: 'unauthorized' });
      request.resume();
      return sendText(response, 401, `Unauthorized: ${auth.reason}`, { 'WWW-Authenticate': 'Bearer' });
    }
    const message = await this.decode(request, response);
    if (!message) {
      return;
    }
    this.metrics.received.http.inc();
    const refused = this.refusal(request, message);
    if (refused) {
      return this.sendProtobuf(request, response, refused.status, refused.reply, refused.headers);
    }
    const handled = await this.handle(request, response, message);
    if (!handled) {
      return;
    }
    this.sendProtobuf(request, response, 200, handled.reply);
    this.metrics.sent.http.inc();
    if (message.agent_disconnect && handled.session) {
      await this.messages.disconnect(handled.session);
    }
  }

  /** The body as an AgentToServer, or undefined once a 400/413 has been answered. */
  private async decode(request: IncomingMessage, response: ServerResponse): Promise<AgentToServer | undefined> {
    try {
      return this.codec.decodeAgentToServer(await readBody(request, this.config.opampMaxMessageBytes));
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      const reason = tooLarge ? 'too_large' : error instanceof OpampDecodeError ? 'protobuf' : 'body';
      this.metrics.decodeErrors.inc({ transport: 'http', reason });
      if (tooLarge) {
        await drained(request, REFUSED_BODY_DRAIN_MS);
      }
      this.sendProtobuf(request, response, tooLarge ? 413 : 400, badRequest(undefined, (error as Error).message));
      return undefined;
    }
  }

  /** A header that contradicts the body (400), or a new agent admission turns away (503). */
  private refusal(
    request: IncomingMessage,
    message: AgentToServer,
  ): { status: number; reply: ServerToAgent; headers?: Record<string, string> } | undefined {
    const uid = message.instance_uid;
    const headerUid = request.headers['opamp-instance-uid'];
    if (typeof headerUid === 'string' && isUuid(headerUid) && uid?.length === 16) {
      if (headerUid.toLowerCase() !== uuidFromBytes(uid)) {
        return { status: 400, reply: badRequest(uid, 'OpAMP-Instance-UID header does not match instance_uid') };
      }
    }
    if (uid?.length === 16 && !this.sessions.get(uuidFromBytes(uid))) {
      const refusal = this.admission.admit();
      if (refusal) {
        const retryAfter = refusal.retryAfterSeconds;
        return { status: 503, reply: unavailable(uid, retryAfter), headers: { 'Retry-After': String(retryAfter) } };
      }
    }
    return undefined;
  }

  /** The handlers' answer, or undefined once a 500/503 has been answered. */
  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    message: AgentToServer,
  ): Promise<HandledMessage | undefined> {
    const stop = this.metrics.handlerSeconds.startTimer();
    const inbound: InboundContext = {
      transport: 'http',
      endpoint: endpointOf(request, 'http', OPAMP_PATH),
      authorization: request.headers.authorization,
    };
    try {
      return await this.messages.handle(message, inbound);
    } catch (error) {
      const failure = handlerFailed(error, message, 'http', this.metrics, this.logger);
      const headers: Record<string, string> = failure.retryable ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {};
      this.sendProtobuf(request, response, failure.retryable ? 503 : 500, failure.reply, headers);
      return undefined;
    } finally {
      stop();
    }
  }

  private sendProtobuf(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    message: ServerToAgent,
    headers: Record<string, string> = {},
  ): void {
    sendProtobufBody(request, response, status, this.codec.encodeServerToAgent(message), headers);
  }
}
