import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '../../users/user.entity';
import type { AuthUser } from '../auth-user';
import type { TokenScope } from '../personal-access-token.entity';

export const IS_PUBLIC = 'threadline:public';
export const ROLES = 'threadline:roles';
export const SCOPES = 'threadline:scopes';
export const SESSION_ONLY = 'threadline:session-only';

/** Opens a route to callers without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
/** Restricts a route to these roles (403 for others). */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);
/** The scope a personal access token needs here (default: `read` for GET, `write` otherwise). */
export const RequireScope = (scope: TokenScope): MethodDecorator & ClassDecorator =>
  SetMetadata(SCOPES, scope);
/** Only a web session's access token may call this (credential management). */
export const SessionOnly = (): MethodDecorator & ClassDecorator => SetMetadata(SESSION_ONLY, true);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const request = ctx.switchToHttp().getRequest<{ user: AuthUser }>();
  return request.user;
});
