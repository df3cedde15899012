import { OpampCodec, OpampDecodeError } from './opamp-codec.js';
import { AgentCapabilities, RemoteConfigStatuses } from './opamp.types.js';

describe('OpampCodec', () => {
  const sut = new OpampCodec();
  const uid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

  it('round-trips an AgentToServer, keeping absent fields absent', () => {
    const bytes = sut.encodeAgentToServer({
      instance_uid: uid,
      sequence_num: 7,
      capabilities: AgentCapabilities.ReportsStatus | AgentCapabilities.AcceptsRemoteConfig,
      remote_config_status: { last_remote_config_hash: Uint8Array.of(9, 9), status: RemoteConfigStatuses.APPLIED },
    });
    const decoded = sut.decodeAgentToServer(bytes);
    expect(Buffer.from(decoded.instance_uid!)).toEqual(Buffer.from(uid));
    expect(decoded.sequence_num).toBe(7n);
    expect(decoded.capabilities).toBe(3n);
    expect(decoded.remote_config_status?.status).toBe(RemoteConfigStatuses.APPLIED);
    expect(decoded.agent_description).toBeUndefined();
    expect(decoded.health).toBeUndefined();
  });

  it('uses the specification field numbers on the wire', () => {
    // field 2 (sequence_num) varint 5 -> 0x10 0x05; field 4 (capabilities) varint 1 -> 0x20 0x01
    const decoded = sut.decodeAgentToServer(Uint8Array.of(0x10, 0x05, 0x20, 0x01));
    expect(decoded.sequence_num).toBe(5n);
    expect(decoded.capabilities).toBe(1n);
    const out = sut.encodeServerToAgent({ instance_uid: uid, capabilities: 3 });
    expect(Array.from(out.slice(0, 2))).toEqual([0x0a, 16]); // field 1, length-delimited, 16 bytes
    expect(Array.from(out.slice(-2))).toEqual([0x38, 3]); // field 7 varint
  });

  it('keeps every uint64 and fixed64 exact, up to 2^64-1', () => {
    const max = (1n << 64n) - 1n;
    const bytes = sut.encodeAgentToServer({
      instance_uid: uid,
      sequence_num: max,
      capabilities: (1n << 63n) | 0x2n,
      flags: max,
      health: { healthy: true, start_time_unix_nano: max, status_time_unix_nano: 1764600000123456789n },
      agent_description: { identifying_attributes: [{ key: 'n', value: { int_value: -(1n << 63n) } }] },
    });
    const decoded = sut.decodeAgentToServer(bytes);
    expect(decoded.sequence_num).toBe(max);
    expect(decoded.capabilities).toBe(9223372036854775810n);
    expect(decoded.flags).toBe(max);
    expect(decoded.health?.start_time_unix_nano).toBe(max);
    expect(decoded.health?.status_time_unix_nano).toBe(1764600000123456789n);
    expect(decoded.agent_description?.identifying_attributes?.[0].value?.int_value).toBe(-(1n << 63n));
  });

  it('rejects truncated bytes with an OpampDecodeError', () => {
    const bytes = sut.encodeAgentToServer({ instance_uid: uid, sequence_num: 1, capabilities: 1 });
    expect(() => sut.decodeAgentToServer(bytes.slice(0, 5))).toThrow(OpampDecodeError);
  });

  describe('a message prepared once for many agents', () => {
    const draft = {
      remote_config: {
        config: {
          config_map: { 'collector.yaml': { body: Buffer.from('receivers: {}\n'), content_type: 'text/yaml' } },
        },
        config_hash: Buffer.alloc(32, 7),
      },
      flags: 1,
      capabilities: 0x3f,
      command: { type: 0 },
    };

    it('frames a whole message as header byte 0 and the message', () => {
      const whole = { ...draft, instance_uid: uid };
      const frame = Buffer.from(sut.encodeServerToAgentFrame(whole));
      expect(frame).toEqual(Buffer.concat([Buffer.of(0), Buffer.from(sut.encodeServerToAgent(whole))]));
    });

    it('frames the same bytes as encoding the whole message for that agent', () => {
      const prepared = sut.prepareServerToAgent(draft);
      const other = Uint8Array.from({ length: 16 }, (_, i) => 200 - i);
      for (const agent of [uid, other]) {
        const whole = sut.encodeServerToAgent({ ...draft, instance_uid: agent });
        expect(Buffer.from(prepared.frameFor(agent))).toEqual(Buffer.concat([Buffer.of(0), Buffer.from(whole)]));
      }
    });

    it('writes a uid longer than 127 bytes with a multi-byte length', () => {
      const long = new Uint8Array(300).fill(5);
      const frame = sut.prepareServerToAgent(draft).frameFor(long);
      const decoded = sut.decodeServerToAgent(frame.subarray(1));
      expect(Buffer.from(decoded.instance_uid!)).toEqual(Buffer.from(long));
      expect(decoded.remote_config?.config?.config_map?.['collector.yaml']?.content_type).toBe('text/yaml');
      expect(decoded.capabilities).toBe(0x3f);
    });
  });
});
