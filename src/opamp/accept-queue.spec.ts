import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AcceptQueue, acceptQueueLength, listenerQueue } from './accept-queue.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** A listener on 127.0.0.1:4320 (0x10E0) with 0x1F (31) connections waiting. */
const LISTENING_4320 =
  '   0: 0100007F:10E0 00000000:0000 0A 00000000:0000001F 00:00000000 00000000     0        0 7913849 1 0 100 0 0 10 0';
const LISTENING_OTHER =
  '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000007 00:00000000 00000000     0        0 7913847 1 0 100 0 0 10 0';
const ESTABLISHED_4320 =
  '   2: 0100007F:10E0 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 7911250 1 0 20 4 30 10 -1';
/** [::]:4320, IPv6 table. */
const LISTENING_6_4320 =
  '   0: 00000000000000000000000000000000:10E0 00000000000000000000000000000000:0000 0A 00000000:00000005 00:00000000 00000000     0        0 99 1 0 100 0 0 10 0';

describe('listenerQueue', () => {
  it('reads the rx_queue of a socket listening on the port, 0 for another listener, null past the listeners', () => {
    expect(listenerQueue(LISTENING_4320, 4320)).toBe(31);
    expect(listenerQueue(LISTENING_6_4320, 4320)).toBe(5);
    expect(listenerQueue(LISTENING_OTHER, 4320)).toBe(0);
    expect(listenerQueue(ESTABLISHED_4320, 4320)).toBeNull();
    expect(listenerQueue('', 4320)).toBe(0);
  });
});

describe('acceptQueueLength', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accept-queue-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const table = (name: string, lines: string[]): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, [HEADER, ...lines, ''].join('\n'));
    return file;
  };

  it('sums the IPv4 and IPv6 listeners of the port and stops at the first socket that is not listening', () => {
    // A listener for the port after an established socket is not one (the kernel lists listeners first).
    const v4 = table('tcp', [LISTENING_OTHER, LISTENING_4320, ESTABLISHED_4320, LISTENING_4320]);
    const v6 = table('tcp6', [LISTENING_6_4320]);
    expect(acceptQueueLength(4320, [v4, v6])).toBe(36);
    expect(acceptQueueLength(8080, [v4, v6])).toBe(7);
    expect(acceptQueueLength(9999, [v4, v6])).toBe(0);
  });

  it('reads listeners spread over several chunks, and is unknown when no table can be read', () => {
    const others = Array.from({ length: 400 }, () => LISTENING_OTHER);
    const v4 = table('tcp', [...others, LISTENING_4320]);
    expect(fs.statSync(v4).size).toBeGreaterThan(32 * 1024);
    expect(acceptQueueLength(4320, [v4])).toBe(31);
    expect(acceptQueueLength(4320, [path.join(dir, 'missing')])).toBeUndefined();
  });
});

describe('AcceptQueue', () => {
  it('reads the queue at an accept at most once per interval, and nothing once stopped', () => {
    let now = 1_000;
    const queue = new AcceptQueue(100, () => now);
    expect(queue.length).toBeUndefined(); // nothing watched
    queue.accepted();
    expect(queue.length).toBeUndefined();
    if (!fs.existsSync('/proc/net/tcp')) {
      return; // the kernel's tables are Linux's; the parsing is covered above
    }
    // A port nobody listens on (0 is never bound): a reading of 0 waiting.
    queue.watch({ port: 0, family: 'IPv4' });
    expect(queue.length).toBeUndefined();
    queue.accepted();
    expect(queue.length).toBe(0);
    now += 50;
    queue.accepted(); // within the interval: the reading stands
    expect(queue.length).toBe(0);
    queue.stop();
    now += 500;
    queue.accepted();
    expect(queue.length).toBeUndefined();
    // A family without a table (a pipe has none) is never read.
    queue.watch({ port: 4320, family: 'unix' });
    queue.accepted();
    expect(queue.length).toBeUndefined();
  });
});
