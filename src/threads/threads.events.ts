import type { ActionResponseDto } from '../actions/dto/action.dto';

/** An action was created in a thread or linked into it (after commit); the gateway sends `action:created`. */
export const THREAD_ACTION_ADDED = 'thread.action-added';

export interface ThreadActionAddedEvent {
  threadId: string;
  action: ActionResponseDto;
}
