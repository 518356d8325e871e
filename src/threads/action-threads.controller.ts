import { Controller, Get, Param } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { ThreadsService } from './threads.service';

/** `GET /api/actions/:id/threads` lives with threads: the actions module knows nothing of them. */
@ApiTags('actions')
@ApiBearerAuth()
@Controller('api/actions')
export class ActionThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Get(':id/threads')
  @ApiOkResponse({ type: [String], description: "Ids of the user's threads holding the action" })
  threadIds(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<string[]> {
    return this.threads.threadIdsHolding(me.id, id);
  }
}
