import { AgentSession } from './agent-session.js';
import { mergeQueued } from './opamp-gateway.js';
import { completeOpampOffer, presentedBy, rememberPresented } from './presented-connection.js';

describe('completeOpampOffer', () => {
  const connection = { endpoint: 'ws://opamp.example.com/v1/opamp', authorization: 'Bearer opk_secret' };

  it('gives an opamp offer the live endpoint and Authorization header, which replace the agent’s own', () => {
    const sut = completeOpampOffer({ connection_settings: { opamp: { heartbeat_interval_seconds: 30 } } }, connection);
    expect(sut.connection_settings?.opamp).toEqual({
      heartbeat_interval_seconds: 30,
      destination_endpoint: 'ws://opamp.example.com/v1/opamp',
      headers: { headers: [{ key: 'Authorization', value: 'Bearer opk_secret' }] },
    });
  });

  it('leaves replies without an opamp offer alone', () => {
    const draft = { connection_settings: { own_logs: { destination_endpoint: 'https://logs.example.com' } } };
    expect(completeOpampOffer(draft, connection)).toBe(draft);
  });

  it('keeps the presented header out of the session object', () => {
    const session = new AgentSession(new Uint8Array(16), {} as never, 'websocket', undefined);
    rememberPresented(session, connection);
    expect(presentedBy(session)?.authorization).toBe('Bearer opk_secret');
    expect(JSON.stringify(session)).not.toContain('opk_secret');
  });
});

describe('mergeQueued', () => {
  it('sends a queued command alone', () => {
    const sut = mergeQueued([{ command: { type: 0 } }], { capabilities: 1, flags: 1 });
    expect(sut.reply).toEqual({ command: { type: 0 }, capabilities: 1 });
    expect(sut.requeue).toEqual([{ flags: 1 }]);
  });

  it('sends connection settings now and lets the command wait: settings are never queued', () => {
    const settings = { own_logs: { destination_endpoint: 'https://logs.example.com' } };
    const sut = mergeQueued([{ command: { type: 0 } }], { connection_settings: settings });
    expect(sut.reply.connection_settings).toBe(settings);
    expect(sut.reply.command).toBeUndefined();
    expect(sut.requeue).toEqual([{ command: { type: 0 } }]);
  });
});
