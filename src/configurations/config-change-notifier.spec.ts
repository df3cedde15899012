import { Injectable, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import type { AssignmentChange } from './assignment.store.js';
import { ConfigChangeListener, ConfigChangeNotifier, ConfigListenerOrder } from './config-change-notifier.js';

const calls: string[] = [];

const listener = (name: string): Type<ConfigChangeListener> =>
  class implements ConfigChangeListener {
    assignmentsChanged(): Promise<void> {
      calls.push(name);
      return Promise.resolve();
    }
  };

// Provided out of order on purpose: ConfigListenerOrder decides, not the module.
@Injectable()
@ConfigChangeListener(ConfigListenerOrder.Push)
class Push extends listener('push') {}

@Injectable()
@ConfigChangeListener(ConfigListenerOrder.DesiredConfig)
class Cache extends listener('cache') {}

@Injectable()
@ConfigChangeListener(ConfigListenerOrder.Drift)
class Drift extends listener('drift') {}

@Injectable()
class Undecorated extends listener('undecorated') {}

async function boot(providers: Type[]): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [ConfigChangeNotifier, ...providers],
  }).compile();
  return app.init();
}

const change: AssignmentChange = { instanceUid: 'u', configurationId: 'c', version: 1, configHash: 'h' };

describe('ConfigChangeNotifier discovery', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it('tells the decorated listeners in ConfigListenerOrder, and nobody else', async () => {
    const app = await boot([Drift, Undecorated, Push, Cache]);
    await app.get(ConfigChangeNotifier).assignmentsChanged([change]);
    expect(calls).toEqual(['cache', 'push', 'drift']);
    await app.close();
  });

  it('tells nobody about an empty change', async () => {
    const app = await boot([Cache]);
    await app.get(ConfigChangeNotifier).assignmentsChanged([]);
    expect(calls).toEqual([]);
    await app.close();
  });
});
