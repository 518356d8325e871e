import { CreateUsersSessionsTokensWorkspaces1764000000000 } from './1764000000000-CreateUsersSessionsTokensWorkspaces';

/** Every migration, in order. Listed explicitly so the same list serves ts-jest, ts-node and the build. */
export const migrations = [CreateUsersSessionsTokensWorkspaces1764000000000];
