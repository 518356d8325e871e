import { Injectable } from '@nestjs/common';
import { ChatSummarySource } from './auth.service';
import type { WorkspaceSummaryDto } from './dto/auth.dto';

/** Lists workspaces without chats: the default until the chats feature provides its own source. */
@Injectable()
export class NoChatSummaries extends ChatSummarySource {
  summarise(): Promise<Map<string, WorkspaceSummaryDto['chats']>> {
    return Promise.resolve(new Map());
  }
}
