import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { PageQueryDto } from '../common/pagination/pagination';
import {
  CreateWorkspaceDto,
  UpdateWorkspaceDto,
  WorkspacePageDto,
  WorkspaceResponseDto,
} from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('api/workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get()
  @ApiOkResponse({ type: WorkspacePageDto })
  list(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<WorkspacePageDto> {
    return this.workspaces.list(me.id, page);
  }

  @Post()
  @ApiCreatedResponse({ type: WorkspaceResponseDto })
  create(@CurrentUser() me: AuthUser, @Body() dto: CreateWorkspaceDto): Promise<WorkspaceResponseDto> {
    return this.workspaces.create(me.id, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: WorkspaceResponseDto })
  get(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<WorkspaceResponseDto> {
    return this.workspaces.get(me.id, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: WorkspaceResponseDto })
  rename(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateWorkspaceDto,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.rename(me.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.workspaces.delete(me.id, id);
  }
}
