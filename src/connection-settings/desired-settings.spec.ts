import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { canonical, desiredSettings, offerFor, type ConnectionSettingsRule } from './desired-settings.js';
import { HeaderCipher } from './header-cipher.js';

const agent = (capabilities: number, labels: Record<string, string> = { env: 'prod' }) => ({
  capabilities,
  labels,
  identifyingAttributes: { 'service.name': 'collector' },
  nonIdentifyingAttributes: {},
});
const OPAMP = AgentCapabilities.AcceptsOpAMPConnectionSettings;
const METRICS = AgentCapabilities.ReportsOwnMetrics;
const rule = (
  name: string,
  priority: number,
  endpoint: string,
  selector: Record<string, string> = { env: 'prod' },
): ConnectionSettingsRule => ({
  name,
  selector,
  priority,
  createdAt: new Date(0),
  own_metrics: { destination_endpoint: endpoint, headers: [{ key: 'X-Key', value: 'secret' }] },
  own_traces: null,
  own_logs: null,
});

describe('desiredSettings', () => {
  it('offers the heartbeat only to agents that accept OpAMP connection settings', () => {
    expect(desiredSettings(agent(0), [], 30).hash).toBeNull();
    const sut = desiredSettings(agent(OPAMP), [], 30);
    expect(sut.offer).toEqual({ opamp: { heartbeat_interval_seconds: 30 } });
    expect(sut.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic and changes with the heartbeat or a destination', () => {
    const a = desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://a/v1/metrics')], 30);
    const b = desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://a/v1/metrics')], 30);
    expect(a.hash).toBe(b.hash);
    expect(desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://a/v1/metrics')], 10).hash).not.toBe(a.hash);
    expect(desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://b/v1/metrics')], 30).hash).not.toBe(a.hash);
    // The opamp part is unchanged by a destination change: no reconnect needed.
    const c = desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://b/v1/metrics')], 30);
    expect(c.parts.opamp).toBe(a.parts.opamp);
  });

  it('picks the highest-priority matching rule, and only for kinds the agent reports', () => {
    const rules = [
      rule('low', 1, 'https://low/v1/metrics'),
      rule('high', 5, 'https://high/v1/metrics'),
      rule('other', 9, 'https://other/v1/metrics', { env: 'dev' }),
    ];
    expect(desiredSettings(agent(METRICS), rules, 30).offer.own_metrics?.destination_endpoint).toBe(
      'https://high/v1/metrics',
    );
    expect(desiredSettings(agent(OPAMP), rules, 30).offer.own_metrics).toBeUndefined();
    // Server-side labels win over reported attributes, as for configurations; empty selectors match nothing.
    expect(desiredSettings(agent(METRICS, { env: 'dev' }), rules, 30).offer.own_metrics?.destination_endpoint).toBe(
      'https://other/v1/metrics',
    );
    expect(desiredSettings(agent(METRICS), [rule('all', 0, 'https://x/v1/metrics', {})], 30).hash).toBeNull();
  });
});

describe('offerFor', () => {
  const before = desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://a/v1/metrics')], 30);
  const after = desiredSettings(agent(OPAMP | METRICS), [rule('r', 0, 'https://b/v1/metrics')], 30);

  it('sends everything when what the agent holds is unknown', () => {
    expect(Object.keys(offerFor(after, null)).sort()).toEqual(['opamp', 'own_metrics']);
  });

  it('sends only the changed parts, and an empty destination for a kind no longer wanted', () => {
    expect(Object.keys(offerFor(after, before.parts))).toEqual(['own_metrics']);
    const removed = desiredSettings(agent(OPAMP | METRICS), [], 30);
    expect(offerFor(removed, before.parts)).toEqual({ own_metrics: { destination_endpoint: '' } });
  });
});

describe('canonical', () => {
  it('sorts keys so equal objects print alike', () => {
    expect(canonical({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonical({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe('HeaderCipher', () => {
  it('round-trips, never stores the clear value, and refuses another secret', () => {
    const sut = new HeaderCipher('a'.repeat(40));
    const stored = sut.encrypt('Bearer backend-key');
    expect(stored).not.toContain('backend-key');
    expect(sut.encrypt('Bearer backend-key')).not.toBe(stored);
    expect(sut.decrypt(stored)).toBe('Bearer backend-key');
    expect(() => new HeaderCipher('b'.repeat(40)).decrypt(stored)).toThrow(/cannot be decrypted/);
  });
});
