import { ActionHandlerConfigurationEntity } from '../actions/action-handler-configuration.entity';
import { ActionResponseChunkEntity } from '../actions/action-response-chunk.entity';
import { ActionEntity } from '../actions/action.entity';
import { PersonalAccessTokenEntity } from '../auth/personal-access-token.entity';
import { WebSessionEntity } from '../auth/web-session.entity';
import { LlmModelEntity } from '../llm/llm-model.entity';
import { LlmServiceEntity } from '../llm/llm-service.entity';
import { ThreadActionEntity } from '../threads/thread-action.entity';
import { ThreadEntity } from '../threads/thread.entity';
import { UserEntity } from '../users/user.entity';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

/** Every entity of the schema. Features add theirs here. */
export const entities = [
  UserEntity,
  WebSessionEntity,
  PersonalAccessTokenEntity,
  WorkspaceEntity,
  ThreadEntity,
  ActionEntity,
  ThreadActionEntity,
  ActionResponseChunkEntity,
  ActionHandlerConfigurationEntity,
  LlmServiceEntity,
  LlmModelEntity,
];
