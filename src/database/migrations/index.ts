import { CreateUsersSessionsTokensWorkspaces1764000000000 } from './1764000000000-CreateUsersSessionsTokensWorkspaces';
import { CreateThreadsAndActions1764000100000 } from './1764000100000-CreateThreadsAndActions';
import { CreateLlmServicesAndModels1764000200000 } from './1764000200000-CreateLlmServicesAndModels';

/** Every migration, in order. Listed explicitly so the same list serves ts-jest, ts-node and the build. */
export const migrations = [
  CreateUsersSessionsTokensWorkspaces1764000000000,
  CreateThreadsAndActions1764000100000,
  CreateLlmServicesAndModels1764000200000,
];
