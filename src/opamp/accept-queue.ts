import fs from 'node:fs';

/**
 * The kernel's tables of TCP sockets by address family (Linux): listening sockets come first in
 * each. Only the listener's own family's table is read: both tables walk one hash of every
 * established socket past their listeners, and the table of a family with few established sockets
 * walks all of it looking for one (30 ms with 100,000 IPv4 connections, against 0.3 ms).
 */
const SOCKET_TABLES = { IPv4: '/proc/net/tcp', IPv6: '/proc/net/tcp6' } as const;
/** Read a table this much at a time, and only until its listening sockets end. */
const CHUNK_BYTES = 16 * 1024;
/** The `st` column of a listening socket. */
const LISTEN_STATE = '0A';

/**
 * How many connections wait in the kernel's accept queue of this process's OpAMP port: the
 * handshake queue the process cannot see otherwise. Connections wait there, completed by the
 * kernel, until the event loop accepts them; when it is full the kernel drops new ones, and
 * clients see handshake timeouts. A deep queue means new agents arrive faster than this instance
 * takes them, whatever its event-loop lag says (a process starved of CPU runs its loop on time,
 * just rarely).
 *
 * Read from /proc/net/tcp (or tcp6 for an IPv6 listener), where a listening socket's rx_queue is
 * its accept queue's length, only as far as the listening sockets go. Read when a connection is
 * accepted, at most once per `everyMs`: the event loop accepts the whole queue one connection at a
 * time, so the first accept of a backlog still sees the rest of it waiting (a timer would run only
 * after all of it was accepted). Elsewhere than Linux the length reads as unknown.
 */
export class AcceptQueue {
  private port?: number;
  private table?: string;
  private lastLength?: number;
  private readAt = 0;

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Watches the queue of the listener bound to `address` from now on. */
  watch(address: { port: number; family: string }): void {
    const table = SOCKET_TABLES[address.family as keyof typeof SOCKET_TABLES];
    this.table = table && fs.existsSync(table) ? table : undefined;
    this.port = this.table === undefined ? undefined : address.port;
    this.lastLength = undefined;
    this.readAt = 0;
  }

  stop(): void {
    this.port = undefined;
    this.lastLength = undefined;
  }

  /** A connection was accepted: reads the queue again unless it was read within `everyMs`. */
  accepted(): void {
    const now = this.now();
    if (this.port === undefined || this.table === undefined || now - this.readAt < this.everyMs) {
      return;
    }
    this.readAt = now;
    this.lastLength = acceptQueueLength(this.port, [this.table]);
  }

  /** Connections waiting to be accepted at the last reading; undefined when it cannot be known. */
  get length(): number | undefined {
    return this.lastLength;
  }
}

/**
 * Sum of the accept queues of the sockets listening on `port` in `tables`; undefined when no table
 * could be read. Reads each table only as far as its listening sockets go: with a hundred thousand
 * agents connected the rest of a table is megabytes.
 */
export function acceptQueueLength(port: number, tables: readonly string[] = [SOCKET_TABLES.IPv4]): number | undefined {
  let total: number | undefined;
  for (const table of tables) {
    const found = readListeners(table, port);
    if (found !== undefined) {
      total = (total ?? 0) + found;
    }
  }
  return total;
}

function readListeners(table: string, port: number): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(table, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let carried = '';
    let header = true;
    let total = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) {
        return total;
      }
      const lines = (carried + buffer.toString('latin1', 0, read)).split('\n');
      carried = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        const queued = listenerQueue(line, port);
        if (queued === null) {
          return total; // past the listening sockets
        }
        total += queued;
      }
    }
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One line of a socket table: the accept queue of a socket listening on `port`, 0 for another
 * listener (or an unreadable line), null once the line is no longer a listener's.
 * Line: `sl local_address rem_address st tx_queue:rx_queue ...`, addresses and numbers in hex.
 */
export function listenerQueue(line: string, port: number): number | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 5) {
    return 0;
  }
  if (fields[3] !== LISTEN_STATE) {
    return null;
  }
  const local = fields[1];
  if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) {
    return 0;
  }
  const queued = Number.parseInt(fields[4].slice(fields[4].indexOf(':') + 1), 16);
  return Number.isFinite(queued) ? queued : 0;
}
