import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/** The shared Redis connection, or null when REDIS_URL is not set. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true })
      : null;
    // Connection errors are reported by /ready; without a listener ioredis would print them.
    this.client?.on('error', () => undefined);
  }

  /** A second connection for subscribers (a subscribed connection can run nothing else). */
  duplicate(): Redis | null {
    const copy = this.client?.duplicate() ?? null;
    copy?.on('error', () => undefined);
    return copy;
  }

  /**
   * A new connection subscribed to `channel`, handing each message to
   * `onMessage`; null without Redis. The caller quits it at shutdown.
   */
  async subscribe(channel: string, onMessage: (raw: string) => void): Promise<Redis | null> {
    const subscriber = this.duplicate();
    if (!subscriber) return null;
    subscriber.on('message', (_channel: string, raw: string) => onMessage(raw));
    await subscriber.subscribe(channel);
    return subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => undefined);
  }
}
