import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import type { AccessTokenPayload, AuthUser } from '../auth-user';
import { AuthenticationService } from '../authentication.service';

/** passport-jwt checks the signature and expiry; the session, user and password version are checked after. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(AppConfig) config: AppConfig,
    private readonly authentication: AuthenticationService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject rather than the string: given a string, jsonwebtoken first tries to parse
      // it as a PEM public key on every verification (and fails, throwing), which costs far
      // more than the HMAC. Same key bytes, same check; the typings only name string | Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(payload: AccessTokenPayload): Promise<AuthUser> {
    return this.authentication.authenticateAccessPayload(payload);
  }
}
