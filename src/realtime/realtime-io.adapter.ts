import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from '../redis/redis.module';

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
    if (redis.client) {
      this.subscriber = redis.duplicate();
      server.adapter(
        createAdapter(redis.client, this.subscriber, { key: `${config.redisKeyPrefix}socket.io` }),
      );
    }
    return server;
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    await super.close(server);
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => undefined);
  }
}
