import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { acceptQueueLength } from '../../src/opamp/accept-queue.js';
import { eventually } from '../support/eventually.js';

/**
 * The kernel's accept queue, read from /proc/net/tcp, against a real listener: a process stopped
 * with SIGSTOP accepts nothing, so the connections the kernel completes for it wait in its queue.
 */
describe('acceptQueueLength (Linux)', () => {
  let listener: ChildProcess | undefined;
  const sockets: net.Socket[] = [];

  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.destroy());
    if (listener?.pid) {
      process.kill(listener.pid, 'SIGCONT');
    }
    listener?.kill('SIGKILL');
  });

  it('counts the connections waiting for a stopped process to accept them, and none once it runs', async () => {
    listener = spawn(
      process.execPath,
      [
        '-e',
        "require('net').createServer(() => {}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const port = await new Promise<number>((resolve) =>
      listener!.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim()))),
    );
    expect(acceptQueueLength(port)).toBe(0);
    process.kill(listener.pid!, 'SIGSTOP');
    for (let i = 0; i < 25; i++) {
      sockets.push(net.connect(port, '127.0.0.1'));
    }
    await eventually(() => Promise.resolve(acceptQueueLength(port) === 25 || undefined), {
      what: '25 connections in the accept queue',
      timeoutMs: 5000,
    });
    // Another port's queue is not this one's.
    expect(acceptQueueLength(port + 1 === 65536 ? port - 1 : port + 1)).toBe(0);
    process.kill(listener.pid!, 'SIGCONT');
    await eventually(() => Promise.resolve(acceptQueueLength(port) === 0 || undefined), {
      what: 'the queue accepted',
      timeoutMs: 5000,
    });
  });
});
