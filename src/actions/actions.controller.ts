import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { ActionsService } from './actions.service';
import { ActionResponseDto, ChunkPageDto, ChunkQueryDto, UpdateActionDto } from './dto/action.dto';

@ApiTags('actions')
@ApiBearerAuth()
@Controller('api/actions')
export class ActionsController {
  constructor(private readonly actions: ActionsService) {}

  @Get(':id')
  @ApiOkResponse({ type: ActionResponseDto })
  get(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<ActionResponseDto> {
    return this.actions.get(me.id, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ActionResponseDto })
  rename(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateActionDto,
  ): Promise<ActionResponseDto> {
    return this.actions.rename(me.id, id, dto);
  }

  /** Stored chunks after `after`, in order: how a client that reconnects catches up. */
  @Get(':id/chunks')
  @ApiOkResponse({ type: ChunkPageDto })
  chunks(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: ChunkQueryDto,
  ): Promise<ChunkPageDto> {
    return this.actions.listChunks(me.id, id, query);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({
    type: ActionResponseDto,
    description: 'The action once ended (cancelled, or as it ended)',
  })
  cancel(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<ActionResponseDto> {
    return this.actions.cancel(me.id, id);
  }
}
