import { PersonalAccessTokenEntity } from '../auth/personal-access-token.entity';
import { WebSessionEntity } from '../auth/web-session.entity';
import { UserEntity } from '../users/user.entity';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

/** Every entity of the schema. Features add theirs here. */
export const entities = [UserEntity, WebSessionEntity, PersonalAccessTokenEntity, WorkspaceEntity];
