import type { ActionResponseDto } from '../actions/dto/action.dto';
import type { FinalActionStatus } from '../actions/action.entity';
import type { AuthUser } from '../auth/auth-user';
import type { FieldError } from '../common/errors/problem';

/**
 * The Socket.IO contract (SPEC §7.2), shared by the gateway and the tests:
 * event names and payloads in one typed map.
 */

export interface AckError {
  status: number;
  title: string;
  detail?: string;
  errors?: FieldError[];
}

/** Every client event is acknowledged `{ ok: true, … }` or `{ ok: false, error }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface ThreadRoomPayload {
  threadId: string;
}

export interface ChatRoomPayload {
  chatId: string;
}

export interface ActionRunPayload {
  threadId: string;
  handler: string;
  request: unknown;
  rawText?: string;
  title?: string;
}

export interface ActionCancelPayload {
  actionId: string;
}

export interface ActionCreatedPayload {
  threadId: string;
  action: ActionResponseDto;
}

export interface ActionChunkPayload {
  actionId: string;
  order: number;
  mime: string;
  text?: string;
  /** Binary over Socket.IO (a Buffer in Node, an ArrayBuffer in browsers). */
  data?: Buffer;
}

export interface ActionCompletedPayload {
  actionId: string;
  status: FinalActionStatus;
  completedAt: string;
}

export interface ChatDeltaPayload {
  chatId: string;
  messageId: string;
  delta: string;
}

export interface ChatCompletedPayload {
  chatId: string;
  message: unknown;
}

export interface ClientToServerEvents {
  'thread:subscribe': (payload: ThreadRoomPayload, ack: (answer: Ack) => void) => void;
  'thread:unsubscribe': (payload: ThreadRoomPayload, ack: (answer: Ack) => void) => void;
  'chat:subscribe': (payload: ChatRoomPayload, ack: (answer: Ack) => void) => void;
  'chat:unsubscribe': (payload: ChatRoomPayload, ack: (answer: Ack) => void) => void;
  'action:run': (
    payload: ActionRunPayload,
    ack: (answer: Ack<{ action: ActionResponseDto }>) => void,
  ) => void;
  'action:cancel': (
    payload: ActionCancelPayload,
    ack: (answer: Ack<{ action: ActionResponseDto }>) => void,
  ) => void;
}

export interface ServerToClientEvents {
  'action:created': (payload: ActionCreatedPayload) => void;
  'action:chunk': (payload: ActionChunkPayload) => void;
  'action:completed': (payload: ActionCompletedPayload) => void;
  'chat:delta': (payload: ChatDeltaPayload) => void;
  'chat:completed': (payload: ChatCompletedPayload) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  user: AuthUser;
}

/**
 * Domain events of the chats feature that the gateway forwards to a chat's
 * room as `chat:delta` / `chat:completed` (emit them after commit).
 */
export const CHAT_DELTA = 'chat.delta';
export const CHAT_COMPLETED = 'chat.completed';

export const threadRoom = (threadId: string): string => `thread:${threadId}`;
export const chatRoom = (chatId: string): string => `chat:${chatId}`;
/** Rooms of credentials, never joined on request: the gateway puts each connection in its own. */
export const userRoom = (userId: string): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
export const tokenRoom = (tokenId: string): string => `token:${tokenId}`;
