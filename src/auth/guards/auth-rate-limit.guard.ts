import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { tooManyRequests } from '../../common/errors/problem';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { parseRefreshToken } from '../token-crypto';

/**
 * Limits attempts at register, login and refresh per client address and per
 * account (the email, or the session a refresh token names). Both counters
 * move on every attempt; either over its limit answers 429 with Retry-After.
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const body = (request.body ?? {}) as { email?: unknown; refreshToken?: unknown };
    const window = this.config.authRateLimitWindowSeconds;
    const verdicts = [await this.limiter.hit(`ip:${request.ip}`, this.config.authRateLimitPerIp, window)];
    // A malformed refresh token names no session: it counts against the address only,
    // or one shared bucket would let anyone lock every client out of refreshing.
    const session =
      typeof body.refreshToken === 'string' ? parseRefreshToken(body.refreshToken)?.sessionId : undefined;
    const account =
      typeof body.email === 'string'
        ? `email:${body.email.trim().toLowerCase()}`
        : session
          ? `session:${session}`
          : null;
    if (account) verdicts.push(await this.limiter.hit(account, this.config.authRateLimitPerEmail, window));
    const refused = verdicts.filter((v) => !v.allowed);
    if (refused.length > 0) {
      throw tooManyRequests(
        Math.max(...refused.map((v) => v.retryAfterSeconds)),
        'Too many attempts; try again later',
      );
    }
    return true;
  }
}
