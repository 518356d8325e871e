import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
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

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}
