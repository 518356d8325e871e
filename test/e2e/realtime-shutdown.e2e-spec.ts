import type { ActionChunkPayload, ActionCompletedPayload } from '../../src/realtime/realtime.events';
import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { registerUser } from '../factories/users';
import { bootApp } from './support/app';
import { connectSocket } from './support/realtime';

/**
 * Shutting down must not drop what was already emitted. Socket.IO's own close
 * discards the packets a connection still queues behind a write in flight
 * (the last `action:completed` after a batch of chunks, typically); the app
 * closes each connection once its queue is written instead.
 */
describe('Socket.IO on shutdown (SPEC §7.2: SIGTERM drain)', () => {
  it('delivers the events emitted just before close, then closes the transport so clients reconnect', async () => {
    const app = await bootApp();
    const user = await registerUser(app.http);
    const socket = await connectSocket(app.url, user.accessToken);
    const received: string[] = [];
    const completed = new Promise<ActionCompletedPayload>((resolve) =>
      socket.on('action:completed', (p) => {
        received.push('action:completed');
        resolve(p);
      }),
    );
    socket.on('action:chunk', () => received.push('action:chunk'));
    const disconnected = new Promise<string>((resolve) =>
      socket.on('disconnect', (reason) => resolve(reason)),
    );

    // A write too large to finish at once, so the next packet waits in the connection's queue.
    const server = app.app.get(RealtimeGateway).server;
    const big: ActionChunkPayload = {
      actionId: '00000000-0000-4000-8000-000000000001',
      order: 0,
      mime: 'text/plain',
      text: 'x'.repeat(8 * 1024 * 1024),
    };
    server.local.emit('action:chunk', big);
    server.local.emit('action:completed', {
      actionId: big.actionId,
      status: 'cancelled',
      completedAt: new Date().toISOString(),
    });
    await app.close();

    try {
      const last = await Promise.race([
        completed,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
      ]);
      expect(last).toMatchObject({ actionId: big.actionId, status: 'cancelled' });
      expect(received).toEqual(['action:chunk', 'action:completed']);
      // A transport close (not "io server disconnect"): socket.io clients reconnect on their own.
      expect(await disconnected).toBe('transport close');
    } finally {
      socket.close();
    }
  }, 30_000);
  it('does not wait more than about 2 s for a client that stopped reading', async () => {
    const app = await bootApp();
    const user = await registerUser(app.http);
    const socket = await connectSocket(app.url, user.accessToken);
    // The client's TCP socket stops reading, so the server's writes back up.
    const transport = socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } };
    transport.ws._socket.pause();
    try {
      const server = app.app.get(RealtimeGateway).server;
      server.local.emit('action:chunk', {
        actionId: '00000000-0000-4000-8000-000000000002',
        order: 0,
        mime: 'text/plain',
        text: 'y'.repeat(32 * 1024 * 1024),
      });
      server.local.emit('action:completed', {
        actionId: '00000000-0000-4000-8000-000000000002',
        status: 'cancelled',
        completedAt: new Date().toISOString(),
      });
      const began = Date.now();
      await app.close();
      const took = Date.now() - began;
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(10_000);
    } finally {
      socket.close();
    }
  }, 30_000);
});
