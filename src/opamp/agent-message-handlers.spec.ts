import { Injectable, Module, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { AgentAuth } from './agent-auth.js';
import {
  AgentAuthenticator,
  AgentMessageHandler,
  AgentMessageHandlers,
  type AgentAuthentication,
} from './agent-message-handlers.js';
import { HandlerOrder } from './handler-order.js';
import { ServerCapabilities } from './proto/opamp.types.js';

// Declared out of HandlerOrder's order on purpose: discovery, not declaration, decides.
@Injectable()
@AgentMessageHandler(HandlerOrder.Packages)
class PackagesHandler implements AgentMessageHandler {
  readonly name = 'packages';
  handle(): void {}
}

@Injectable()
@AgentMessageHandler(HandlerOrder.Configurations, { capabilities: ServerCapabilities.OffersRemoteConfig })
class ConfigurationsHandler implements AgentMessageHandler {
  readonly name = 'configurations';
  handle(): void {}
}

@Injectable()
@AgentMessageHandler(HandlerOrder.Inventory, { capabilities: ServerCapabilities.AcceptsEffectiveConfig })
class InventoryHandler implements AgentMessageHandler {
  readonly name = 'inventory';
  handle(): void {}
}

// Two handlers at one order (as connection settings and custom messages are): they run by name.
@Injectable()
@AgentMessageHandler(HandlerOrder.CustomMessages)
class CustomHandler implements AgentMessageHandler {
  readonly name = 'custom-messages';
  handle(): void {}
}

@Injectable()
@AgentMessageHandler(HandlerOrder.ConnectionSettings)
class SettingsHandler implements AgentMessageHandler {
  readonly name = 'connection-settings';
  handle(): void {}
}

/** Looks like a handler but is not decorated: never called. */
@Injectable()
class UndecoratedHandler implements AgentMessageHandler {
  readonly name = 'undecorated';
  handle(): void {}
}

@Injectable()
@AgentMessageHandler(HandlerOrder.Drift)
class SecondPackagesHandler implements AgentMessageHandler {
  readonly name = 'packages';
  handle(): void {}
}

@Injectable()
@AgentAuthenticator()
class GoodKeyAuthenticator implements AgentAuthenticator {
  readonly seen: string[] = [];
  verify(key: string): Promise<AgentAuthentication> {
    this.seen.push(key);
    return Promise.resolve(key === 'good' ? { ok: true, keyId: 'k1' } : { ok: false, reason: 'invalid' });
  }
}

@Injectable()
@AgentAuthenticator()
class OtherAuthenticator implements AgentAuthenticator {
  verify(): Promise<AgentAuthentication> {
    return Promise.resolve({ ok: true });
  }
}

@Module({ providers: [ConfigurationsHandler] })
class FeatureA {}

@Module({ providers: [ConfigurationsHandler] })
class FeatureB {}

/** Boots a real Nest application context (onModuleInit included) with these providers. */
async function boot(providers: Type[], imports: Type[] = []): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [DiscoveryModule, ...imports],
    providers: [AgentMessageHandlers, ...providers],
  }).compile();
  return app.init();
}

describe('AgentMessageHandlers discovery', () => {
  let app: TestingModule | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('runs the decorated handlers by their HandlerOrder, equal orders by name, and ignores undecorated classes', async () => {
    app = await boot([
      PackagesHandler,
      UndecoratedHandler,
      CustomHandler,
      ConfigurationsHandler,
      SettingsHandler,
      InventoryHandler,
    ]);
    const sut = app.get(AgentMessageHandlers);
    expect(sut.all().map((h) => h.name)).toEqual([
      'inventory',
      'connection-settings',
      'custom-messages',
      'configurations',
      'packages',
    ]);
    expect(sut.all()[0]).toBe(app.get(InventoryHandler));
  });

  it('announces status plus the capabilities the decorated handlers bring', async () => {
    app = await boot([ConfigurationsHandler, PackagesHandler, InventoryHandler]);
    expect(app.get(AgentMessageHandlers).serverCapabilities).toBe(
      ServerCapabilities.AcceptsStatus |
        ServerCapabilities.OffersRemoteConfig |
        ServerCapabilities.AcceptsEffectiveConfig,
    );
  });

  it('announces status alone when no feature brings a capability', async () => {
    app = await boot([UndecoratedHandler]);
    const sut = app.get(AgentMessageHandlers);
    expect(sut.all()).toEqual([]);
    expect(sut.serverCapabilities).toBe(ServerCapabilities.AcceptsStatus);
    expect(sut.authenticator).toBeUndefined();
  });

  it('refuses at bootstrap two handlers of one name', async () => {
    await expect(boot([PackagesHandler, SecondPackagesHandler])).rejects.toThrow(
      /handlers (PackagesHandler and SecondPackagesHandler|SecondPackagesHandler and PackagesHandler) are both named "packages"/,
    );
  });

  it('refuses at bootstrap a handler class provided by two modules (it would run twice)', async () => {
    await expect(boot([], [FeatureA, FeatureB])).rejects.toThrow(
      'Agent message handler ConfigurationsHandler is provided by both FeatureA and FeatureB',
    );
  });

  it('finds the one authenticator, and refuses a second at bootstrap', async () => {
    app = await boot([GoodKeyAuthenticator]);
    expect(app.get(AgentMessageHandlers).authenticator).toBe(app.get(GoodKeyAuthenticator));
    await expect(boot([GoodKeyAuthenticator, OtherAuthenticator])).rejects.toThrow(
      /One agent authenticator per application, found (GoodKeyAuthenticator and OtherAuthenticator|OtherAuthenticator and GoodKeyAuthenticator)/,
    );
  });
});

describe('AgentAuth', () => {
  const config = (allowAnonymous: boolean): AppConfig => ({ opampAllowAnonymous: allowAnonymous }) as AppConfig;
  const request = (authorization?: string): IncomingMessage =>
    ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;
  let app: TestingModule | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('refuses a presented key when no key store is provided', async () => {
    app = await boot([]);
    const sut = new AgentAuth(app.get(AgentMessageHandlers), config(true));
    await expect(sut.authenticate(request('Bearer opk_anything'))).resolves.toEqual({
      ok: false,
      reason: 'no enrollment key store',
    });
  });

  it('asks the discovered authenticator, and admits no key only when anonymous agents are allowed', async () => {
    app = await boot([GoodKeyAuthenticator]);
    const registry = app.get(AgentMessageHandlers);
    const sut = new AgentAuth(registry, config(false));
    await expect(sut.authenticate(request('Bearer good'))).resolves.toEqual({ ok: true, keyId: 'k1' });
    await expect(sut.authenticate(request('Bearer bad'))).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(sut.authenticate(request())).resolves.toEqual({ ok: false, reason: 'missing enrollment key' });
    await expect(new AgentAuth(registry, config(true)).authenticate(request())).resolves.toEqual({ ok: true });
    expect(app.get(GoodKeyAuthenticator).seen).toEqual(['good', 'bad']);
  });
});
