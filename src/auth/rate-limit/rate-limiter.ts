import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RedisConnection } from '../../redis/redis.module';

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the window resets (meaningful when not allowed). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters: in Redis when configured (shared by every instance),
 * in memory otherwise.
 */
@Injectable()
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = Date.now();

  constructor(
    @Inject(RedisConnection) private readonly redis: RedisConnection,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
    const client = this.redis.client;
    if (client) {
      const redisKey = `${this.config.redisKeyPrefix}rl:${key}`;
      const [[, count], [, ttl]] = (await client.multi().incr(redisKey).pttl(redisKey).exec()) as [
        [unknown, number],
        [unknown, number],
      ];
      if (ttl < 0) await client.pexpire(redisKey, windowSeconds * 1000);
      const remainingMs = ttl < 0 ? windowSeconds * 1000 : ttl;
      return { allowed: count <= limit, retryAfterSeconds: Math.ceil(remainingMs / 1000) };
    }
    return this.hitInMemory(key, limit, windowSeconds);
  }

  private hitInMemory(key: string, limit: number, windowSeconds: number): RateLimitVerdict {
    const now = Date.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { allowed: window.count <= limit, retryAfterSeconds: Math.ceil((window.resetAt - now) / 1000) };
  }

  /** Drops expired windows now and then so the map stays bounded by live keys. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}
