import { chunkEvents, MAX_PAYLOAD_BYTES } from './cluster-event-bus.js';

describe('chunkEvents', () => {
  const event = (i: number) =>
    JSON.stringify({ type: 'agent', change: 'status', agent_id: `agent-${i}-${'x'.repeat(30)}` });

  it('packs many events into few payloads, each under the NOTIFY limit and each valid JSON', () => {
    const serialized = Array.from({ length: 1000 }, (_, i) => event(i));
    const sut = chunkEvents('instance-a', serialized);
    expect(sut.length).toBeLessThanOrEqual(12);
    const all = sut.flatMap((chunk) => {
      expect(Buffer.byteLength(chunk)).toBeLessThan(MAX_PAYLOAD_BYTES);
      const batch = JSON.parse(chunk) as { origin: string; events: unknown[] };
      expect(batch.origin).toBe('instance-a');
      return batch.events;
    });
    expect(all).toEqual(serialized.map((s) => JSON.parse(s) as unknown));
  });

  it('returns nothing for nothing and skips an event that could never fit', () => {
    expect(chunkEvents('a', [])).toEqual([]);
    const huge = JSON.stringify({ type: 'rollout', change: 'x', rollout_id: 'y'.repeat(MAX_PAYLOAD_BYTES) });
    expect(
      chunkEvents('a', [huge, event(1)]).map((c) => (JSON.parse(c) as { events: unknown[] }).events.length),
    ).toEqual([1]);
  });
});
