import { IsUUID } from 'class-validator';
import { RunActionDto } from '../../actions/dto/action.dto';

export class ThreadRoomDto {
  @IsUUID()
  threadId: string;
}

export class ChatRoomDto {
  @IsUUID()
  chatId: string;
}

export class SocketRunActionDto extends RunActionDto {
  @IsUUID()
  threadId: string;
}

export class CancelActionDto {
  @IsUUID()
  actionId: string;
}
