import { Injectable } from '@nestjs/common';
import { notFound } from '../common/errors/problem';

/**
 * Decides whether a user may join a chat's room: throws a 404 problem for a
 * chat that is not theirs (or does not exist). The chats feature provides its
 * own implementation in place of `NoChatRooms` (RealtimeModule's providers).
 */
export abstract class ChatRoomAccess {
  abstract assertCanJoin(userId: string, chatId: string): Promise<void>;
}

/** Until chats exist, no chat room can be joined. */
@Injectable()
export class NoChatRooms extends ChatRoomAccess {
  assertCanJoin(): Promise<void> {
    return Promise.reject(notFound('Chat'));
  }
}
