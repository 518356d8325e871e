import type { FinalActionStatus } from './action.entity';

/**
 * Domain events of the streaming engine. The realtime gateway listens and
 * forwards them to Socket.IO rooms; the engine never touches sockets. A chunk
 * event is emitted only once the chunk is stored, and `action.completed` only
 * after the last chunk is.
 */
export const ACTION_CHUNKS = 'action.chunks';
export const ACTION_COMPLETED = 'action.completed';

export interface ActionChunk {
  order: number;
  mime: string;
  text?: string;
  data?: Buffer;
}

/** Chunks just stored, in order (one event per stored batch: far cheaper than one per chunk). */
export interface ActionChunksEvent {
  actionId: string;
  userId: string;
  chunks: ActionChunk[];
}

export interface ActionCompletedEvent {
  actionId: string;
  userId: string;
  status: FinalActionStatus;
  completedAt: Date;
}
