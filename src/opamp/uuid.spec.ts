import { bytesFromUuid, isUuid, uuidFromBytes, uuidv7Bytes } from './uuid.js';

describe('uuid helpers', () => {
  it('round-trips bytes and canonical text', () => {
    const text = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(uuidFromBytes(bytesFromUuid(text))).toBe(text);
    expect(() => bytesFromUuid('nope')).toThrow('not a UUID');
  });

  it('makes version-7 UUIDs that sort by time', () => {
    const a = uuidFromBytes(uuidv7Bytes(1_700_000_000_000));
    const b = uuidFromBytes(uuidv7Bytes(1_700_000_000_001));
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(a[19]);
    expect(a < b).toBe(true);
  });
});
