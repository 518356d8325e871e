import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { ActionEnvelopeDto, RunActionDto } from '../actions/dto/action.dto';
import { PageQueryDto } from '../common/pagination/pagination';
import {
  CreateThreadDto,
  ThreadActionResponseDto,
  ThreadDetailResponseDto,
  ThreadPageDto,
  ThreadResponseDto,
  UpdateThreadActionDto,
  UpdateThreadDto,
} from './dto/thread.dto';
import { ThreadsService } from './threads.service';

@ApiTags('threads')
@ApiBearerAuth()
@Controller('api/threads')
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Get()
  @ApiOkResponse({ type: ThreadPageDto })
  list(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<ThreadPageDto> {
    return this.threads.list(me.id, page);
  }

  @Post()
  @ApiCreatedResponse({ type: ThreadResponseDto })
  create(@CurrentUser() me: AuthUser, @Body() dto: CreateThreadDto): Promise<ThreadResponseDto> {
    return this.threads.create(me.id, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ThreadDetailResponseDto })
  get(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<ThreadDetailResponseDto> {
    return this.threads.get(me.id, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ThreadResponseDto })
  update(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateThreadDto,
  ): Promise<ThreadResponseDto> {
    return this.threads.update(me.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.threads.delete(me.id, id);
  }

  @Post(':id/actions')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ActionEnvelopeDto,
    description: 'Created and running; chunks stream over Socket.IO',
  })
  runAction(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: RunActionDto,
  ): Promise<ActionEnvelopeDto> {
    return this.threads.runAction(me, id, dto);
  }

  @Put(':id/actions/:actionId')
  @HttpCode(201)
  @ApiCreatedResponse({ type: ThreadActionResponseDto })
  linkAction(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Param('actionId', ParseIdPipe) actionId: string,
  ): Promise<ThreadActionResponseDto> {
    return this.threads.linkAction(me.id, id, actionId);
  }

  @Patch(':id/actions/:actionId')
  @ApiOkResponse({ type: ThreadActionResponseDto })
  updateLink(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Param('actionId', ParseIdPipe) actionId: string,
    @Body() dto: UpdateThreadActionDto,
  ): Promise<ThreadActionResponseDto> {
    return this.threads.updateLink(me.id, id, actionId, dto);
  }

  @Delete(':id/actions/:actionId')
  @HttpCode(204)
  @ApiNoContentResponse()
  unlinkAction(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Param('actionId', ParseIdPipe) actionId: string,
  ): Promise<void> {
    return this.threads.unlinkAction(me.id, id, actionId);
  }
}
