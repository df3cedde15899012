import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { AgentAuth } from './agent-auth.js';
import { AgentMessageHandlers, type AgentAuthenticator, type AgentMessageHandler } from './agent-message-handlers.js';
import { HandlerOrder } from './handler-order.js';
import { ServerCapabilities } from './proto/opamp.types.js';

const handler = (name: string, capabilities?: number): AgentMessageHandler => ({
  name,
  capabilities,
  handle: () => undefined,
});

const request = (authorization?: string): IncomingMessage =>
  ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('AgentMessageHandlers', () => {
  let sut: AgentMessageHandlers;

  beforeEach(() => {
    sut = new AgentMessageHandlers();
  });

  it('runs handlers by their HandlerOrder, whatever the registration order', () => {
    sut.register(handler('packages'), HandlerOrder.Packages);
    sut.register(handler('inventory'), HandlerOrder.Inventory);
    sut.register(handler('configurations'), HandlerOrder.Configurations);
    expect(sut.all().map((h) => h.name)).toEqual(['inventory', 'configurations', 'packages']);
  });

  it('announces status alone until features bring their capabilities', () => {
    expect(sut.serverCapabilities).toBe(ServerCapabilities.AcceptsStatus);
    sut.register(handler('configurations', ServerCapabilities.OffersRemoteConfig), HandlerOrder.Configurations);
    sut.register(handler('drift'), HandlerOrder.Drift);
    expect(sut.serverCapabilities).toBe(ServerCapabilities.AcceptsStatus | ServerCapabilities.OffersRemoteConfig);
  });

  it('refuses a second authenticator', () => {
    const authenticator: AgentAuthenticator = { verify: () => Promise.resolve({ ok: true }) };
    sut.registerAuthenticator(authenticator);
    expect(() => sut.registerAuthenticator(authenticator)).toThrow('already registered');
  });
});

describe('AgentAuth', () => {
  const config = (allowAnonymous: boolean): AppConfig => ({ opampAllowAnonymous: allowAnonymous }) as AppConfig;

  it('refuses a presented key when no key store is registered', async () => {
    const sut = new AgentAuth(new AgentMessageHandlers(), config(true));
    await expect(sut.authenticate(request('Bearer opk_anything'))).resolves.toEqual({
      ok: false,
      reason: 'no enrollment key store',
    });
  });

  it('asks the registered authenticator, and admits no key only when anonymous agents are allowed', async () => {
    const registry = new AgentMessageHandlers();
    const seen: string[] = [];
    registry.registerAuthenticator({
      verify: (key) => {
        seen.push(key);
        return Promise.resolve(key === 'good' ? { ok: true, keyId: 'k1' } : { ok: false, reason: 'invalid' });
      },
    });
    const sut = new AgentAuth(registry, config(false));
    await expect(sut.authenticate(request('Bearer good'))).resolves.toEqual({ ok: true, keyId: 'k1' });
    await expect(sut.authenticate(request('Bearer bad'))).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(sut.authenticate(request())).resolves.toEqual({ ok: false, reason: 'missing enrollment key' });
    await expect(new AgentAuth(registry, config(true)).authenticate(request())).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['good', 'bad']);
  });
});
