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
    await closeRedis(this.client);
  }
}

/** How long a polite QUIT may take before the connection is simply dropped. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Closes a connection for good. QUIT when it is up (replies still due arrive
 * first); otherwise, or when QUIT does not finish in time, a disconnect, which
 * also stops ioredis reconnecting: a QUIT queued while Redis is unreachable
 * would keep the client retrying, and the process alive, forever.
 */
export async function closeRedis(client: Redis | null): Promise<void> {
  if (!client || client.status === 'end') return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
    });
    await Promise.race([client.quit().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }
  // The status changes while QUIT runs (TypeScript keeps the narrowing from above).
  if ((client.status as string) !== 'end') client.disconnect();
}
