import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../common/errors/problem';
import type { UserRole } from '../../users/user.entity';
import type { AuthUser } from '../auth-user';
import { AuthenticationService } from '../authentication.service';
import { IS_PUBLIC, ROLES, SCOPES, SESSION_ONLY } from '../decorators/auth.decorators';
import type { TokenScope } from '../personal-access-token.entity';
import { PAT_PREFIX } from '../token-crypto';

type AuthedRequest = FastifyRequest & { user?: AuthUser };

/**
 * Deny by default: every route needs a bearer credential unless marked
 * `@Public()`. Access tokens go through passport-jwt; personal access tokens
 * (`tl_…`) are looked up by hash and bounded by their scopes. Roles are
 * checked here too so a single guard decides who gets in.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const credential = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!credential) throw unauthorized();

    if (credential.startsWith(PAT_PREFIX)) {
      request.user = await this.authentication.authenticatePersonalToken(credential);
      this.checkTokenScope(request, targets);
    } else {
      await (super.canActivate(context) as Promise<boolean>);
    }

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.user!.role)) throw forbidden('This route is for administrators');
    return true;
  }

  /**
   * passport's failures (bad signature, expired, malformed) come without an
   * error and become problem+json 401s. An error comes from checking the
   * session behind a valid token: the service's own problems (revoked, 401)
   * and anything else (an unreachable database: 503, not a sign-out) pass through.
   */
  override handleRequest<TUser = AuthUser>(err: unknown, user: TUser | false): TUser {
    if (err) throw err;
    if (!user) throw unauthorized('The access token is invalid or expired');
    return user;
  }

  private checkTokenScope(
    request: AuthedRequest,
    targets: ReturnType<ExecutionContext['getHandler']>[],
  ): void {
    if (this.reflector.getAllAndOverride<boolean>(SESSION_ONLY, targets)) {
      throw forbidden('A personal access token cannot manage credentials; sign in instead');
    }
    const declared = this.reflector.getAllAndOverride<TokenScope | undefined>(SCOPES, targets);
    const needed: TokenScope = declared ?? (['GET', 'HEAD'].includes(request.method) ? 'read' : 'write');
    if (!request.user!.scopes?.includes(needed)) throw forbidden(`This token lacks the "${needed}" scope`);
  }
}
