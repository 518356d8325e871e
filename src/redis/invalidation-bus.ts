import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from './redis-connection';
import { closeRedis } from './redis-connection';

type Listener = (payload: unknown) => void;

/**
 * Tells every instance that cached lookups went stale (a credential revoked,
 * a model deleted). `publish` runs this instance's listeners at once, before
 * the caller answers its request, and with REDIS_URL set also sends the
 * message to the other instances over one Redis channel. A lost message only
 * delays the change until the cached entries expire (CACHE_TTL_SECONDS).
 */
@Injectable()
export class InvalidationBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly channel: string;
  /** Tells this instance's own messages apart (Redis delivers them back to it). */
  private readonly origin = randomUUID();
  private readonly listeners = new Map<string, Listener[]>();
  private subscriber: Redis | null = null;

  constructor(
    private readonly redis: RedisConnection,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.channel = `${config.redisKeyPrefix}invalidate`;
  }

  on(topic: string, listener: Listener): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  publish(topic: string, payload: unknown): void {
    this.deliver(topic, payload);
    const client = this.redis.client;
    if (!client) return;
    client
      .publish(this.channel, JSON.stringify({ origin: this.origin, topic, payload }))
      .catch((err: unknown) => {
        this.logger.warn({
          msg: 'could not publish a cache invalidation',
          topic,
          err: err instanceof Error ? err.message : String(err),
        });
      });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = await this.redis.subscribe(this.channel, (raw) => this.receive(raw));
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    await closeRedis(subscriber);
  }

  private receive(raw: string): void {
    let message: { origin?: unknown; topic?: unknown; payload?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      this.logger.warn({ msg: 'unreadable cache invalidation message' });
      return;
    }
    if (message.origin === this.origin || typeof message.topic !== 'string') return;
    this.deliver(message.topic, message.payload);
  }

  private deliver(topic: string, payload: unknown): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.error({
          msg: 'a cache invalidation listener failed',
          topic,
          err: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
}
