import { chunkUids, MAX_NOTIFIED_UIDS, type AssignmentNotification } from './assignment.store.js';
import { skipForReport } from './config-delivery.js';

const HASH = 'a'.repeat(64);

describe('skipForReport', () => {
  it('skips an agent whose report about this very hash already answers an offer', () => {
    expect(skipForReport({ hash: HASH, status: 'APPLIED' }, HASH, false)).toBe('already_applied');
    expect(skipForReport({ hash: HASH, status: 'APPLYING' }, HASH, false)).toBe('already_applying');
    expect(skipForReport({ hash: HASH, status: 'FAILED' }, HASH, false)).toBe('already_failed');
  });

  it('offers a FAILED hash again only when forced, and never skips for another hash or no report', () => {
    expect(skipForReport({ hash: HASH, status: 'FAILED' }, HASH, true)).toBeNull();
    expect(skipForReport({ hash: HASH, status: 'APPLIED' }, HASH, true)).toBe('already_applied');
    expect(skipForReport({ hash: 'b'.repeat(64), status: 'APPLIED' }, HASH, false)).toBeNull();
    expect(skipForReport({ hash: 'b'.repeat(64), status: 'FAILED' }, HASH, false)).toBeNull();
    expect(skipForReport({ hash: null, status: null }, HASH, false)).toBeNull();
    expect(skipForReport({ hash: HASH, status: 'UNSET' }, HASH, false)).toBeNull();
  });
});

describe('chunkUids', () => {
  it('lists every agent, in wake-ups that fit a NOTIFY payload', () => {
    const uids = Array.from({ length: 40_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const sut = chunkUids(uids);
    expect(sut).toHaveLength(Math.ceil(40_000 / MAX_NOTIFIED_UIDS));
    expect(sut.flat()).toEqual(uids);
    const payload: AssignmentNotification = {
      origin: 'instance-with-a-long-name-0123456789',
      instanceUids: sut[0],
      push: { pushId: uids[0], configurationId: uids[1], version: 2_000_000_000, force: true },
    };
    // PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(8000);
    expect(chunkUids([])).toEqual([]);
  });
});
