import net from 'node:net';

const LOW = 20_000;
const SPAN = 12_000;

/**
 * Distinct free loopback ports below Linux's ephemeral range (32768+), held open together while
 * chosen. A port released by a port-0 probe comes from the ephemeral range, where another process
 * (an embedded PostgreSQL, a load generator's outgoing connections) may take it before we bind it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    for (let tries = 0; held.length < count && tries < 200; tries++) {
      const server = await listenOn(LOW + Math.floor(Math.random() * SPAN));
      if (server) {
        held.push(server);
      }
    }
    if (held.length < count) {
      throw new Error(`no ${count} free ports between ${LOW} and ${LOW + SPAN}`);
    }
    return held.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/** The first of `length` consecutive free ports (for processes that take base, base + 1, ...). */
export async function freePortRun(length: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const base = LOW + Math.floor(Math.random() * (SPAN - length));
    const held: net.Server[] = [];
    try {
      for (let port = base; port < base + length; port++) {
        const server = await listenOn(port);
        if (!server) {
          break;
        }
        held.push(server);
      }
      if (held.length === length) {
        return base;
      }
    } finally {
      await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  }
  throw new Error(`no ${length} consecutive free ports between ${LOW} and ${LOW + SPAN}`);
}

function listenOn(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
