import { Module } from '@nestjs/common';
import { ActionsModule } from '../actions/actions.module';
import { AuthModule } from '../auth/auth.module';
import { ThreadsModule } from '../threads/threads.module';
import { ActionStreamRelay } from './action-stream-relay';
import { ChatRoomAccess, NoChatRooms } from './chat-room-access';
import { RealtimeGateway } from './realtime.gateway';

@Module({
  imports: [AuthModule, ActionsModule, ThreadsModule],
  providers: [RealtimeGateway, ActionStreamRelay, { provide: ChatRoomAccess, useClass: NoChatRooms }],
})
export class RealtimeModule {}
