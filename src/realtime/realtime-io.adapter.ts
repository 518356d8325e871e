import { INestApplication, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { throttledReporter, withHandledRejections } from '../redis/handled-rejections';
import { closeRedis, RedisConnection } from '../redis/redis.module';

/** How long shutdown waits for connections to write what is queued for them. */
const CLOSE_FLUSH_TIMEOUT_MS = 2_000;

/**
 * Socket.IO on the HTTP port, with CORS from CORS_ORIGINS and, when
 * REDIS_URL is set, the Redis adapter: a client on instance A receives what
 * instance B emits to its rooms. Channels are prefixed with REDIS_KEY_PREFIX.
 * Action chunks do not take this path (one PUBLISH per event): see ActionStreamRelay.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private subscriber: Redis | null = null;

  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const config = this.app.get(AppConfig);
    const redis = this.app.get(RedisConnection);
    const settings: Partial<ServerOptions> = {
      ...options,
      ...(config.corsOrigins.length > 0 ? { cors: { origin: config.corsOrigins, credentials: true } } : {}),
    };
    // The application's own socket.io (the one the Redis adapter is built for), on the HTTP server.
    const server =
      this.httpServer && port === 0 ? new Server(this.httpServer, settings) : new Server(port, settings);
    const subscriber = redis.duplicate();
    if (redis.client && subscriber) {
      this.subscriber = subscriber;
      // The adapter publishes and unsubscribes without handling the promises: while Redis is
      // unreachable each would be an unhandled rejection, which ends the process.
      const logger = new Logger('RealtimeIoAdapter');
      const onError = throttledReporter((failures, err) =>
        logger.warn({
          msg: 'Socket.IO Redis adapter commands failed',
          failures,
          err: err instanceof Error ? err.message : String(err),
        }),
      );
      server.adapter(
        createAdapter(
          withHandledRejections(redis.client, onError),
          withHandledRejections(subscriber, onError),
          { key: `${config.redisKeyPrefix}socket.io` },
        ),
      );
    }
    return server;
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    await closeConnectionsAfterFlush(server, CLOSE_FLUSH_TIMEOUT_MS);
    await super.close(server);
    const subscriber = this.subscriber;
    this.subscriber = null;
    await closeRedis(subscriber);
  }
}

/** What this needs of a Socket.IO server (Nest's adapter types it with its own copy of socket.io). */
interface IoServerLike {
  sockets: { sockets: Map<string, { conn: EngineConnection }> };
}
interface EngineConnection {
  readyState: string;
  once(event: 'close', listener: () => void): unknown;
  close(): unknown;
  /** For the WebSocket transport, its `ws` socket (see `terminate`). */
  transport: object;
}

/** Ends a connection's TCP socket at once (WebSocket transport; polling has no socket of its own). */
function terminate(connection: EngineConnection): void {
  const ws = (connection.transport as { socket?: { terminate?: () => void } }).socket;
  ws?.terminate?.();
}

/**
 * Socket.IO's `close()` closes every connection with `discard`: packets still
 * queued behind a write in flight (the `action:completed` after a batch of
 * chunks, say) are dropped. Closing each connection ourselves first, without
 * discard, lets engine.io write the queue and then close the transport; the
 * client sees a transport close and reconnects (to another instance, in a
 * rolling restart). Bounded: a client that stopped reading has its socket
 * terminated, or it would hold the shutdown until `ws`'s own 30 s close timeout.
 */
async function closeConnectionsAfterFlush(server: IoServerLike, timeoutMs: number): Promise<void> {
  const connections = new Set(Array.from(server.sockets.sockets.values(), (socket) => socket.conn));
  const closed: Promise<void>[] = [];
  const unclosed = new Set<EngineConnection>();
  for (const connection of connections) {
    if (connection.readyState !== 'open') continue;
    unclosed.add(connection);
    closed.push(
      new Promise((resolve) =>
        connection.once('close', () => {
          unclosed.delete(connection);
          resolve();
        }),
      ),
    );
    connection.close();
  }
  if (closed.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(closed), timeout]);
  clearTimeout(timer);
  for (const connection of unclosed) terminate(connection);
}
