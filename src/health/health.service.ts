import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/errors/problem';
import { RedisConnection } from '../redis/redis.module';

export interface ReadinessReport {
  status: 'ok';
  checks: { database: 'up'; redis?: 'up' };
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
  ]);
}

@Injectable()
export class HealthService implements OnModuleDestroy {
  /** Set when shutdown begins (before running actions drain): load balancers stop sending traffic. */
  private draining = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisConnection,
  ) {}

  onModuleDestroy(): void {
    this.draining = true;
  }

  async readiness(): Promise<ReadinessReport> {
    if (this.draining) {
      throw new ProblemException(503, 'Service Unavailable', { detail: 'Not ready: shutting down' });
    }
    const checks: Record<string, 'up' | 'down'> = {};
    checks.database = await withTimeout(this.dataSource.query('SELECT 1'))
      .then(() => 'up' as const)
      .catch(() => 'down' as const);
    if (this.redis.client) {
      checks.redis = await withTimeout(this.redis.client.ping())
        .then(() => 'up' as const)
        .catch(() => 'down' as const);
    }
    const down = Object.entries(checks)
      .filter(([, v]) => v === 'down')
      .map(([k]) => k);
    if (down.length > 0) {
      throw new ProblemException(503, 'Service Unavailable', {
        detail: `Not ready: ${down.join(', ')} unreachable`,
        extensions: { checks },
      });
    }
    return { status: 'ok', checks: checks as ReadinessReport['checks'] };
  }
}
