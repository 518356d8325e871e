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
import { CreateLlmModelDto, LlmModelPageDto, LlmModelResponseDto } from './dto/llm-model.dto';
import {
  CreateLlmServiceDto,
  LlmServicePageDto,
  LlmServiceResponseDto,
  UpdateLlmServiceDto,
} from './dto/llm-service.dto';
import { LlmCatalogService } from './llm-catalog.service';

@ApiTags('llm')
@ApiBearerAuth()
@Controller('api/llm/services')
export class LlmServicesController {
  constructor(private readonly catalog: LlmCatalogService) {}

  @Get()
  @ApiOkResponse({ type: LlmServicePageDto, description: 'Own and global services, newest first' })
  list(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<LlmServicePageDto> {
    return this.catalog.listServices(me, page);
  }

  @Post()
  @ApiCreatedResponse({ type: LlmServiceResponseDto })
  create(@CurrentUser() me: AuthUser, @Body() dto: CreateLlmServiceDto): Promise<LlmServiceResponseDto> {
    return this.catalog.createService(me, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: LlmServiceResponseDto })
  get(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<LlmServiceResponseDto> {
    return this.catalog.getService(me, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: LlmServiceResponseDto })
  update(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateLlmServiceDto,
  ): Promise<LlmServiceResponseDto> {
    return this.catalog.updateService(me, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.catalog.deleteService(me, id);
  }

  @Get(':id/models')
  @ApiOkResponse({ type: LlmModelPageDto })
  listModels(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Query() page: PageQueryDto,
  ): Promise<LlmModelPageDto> {
    return this.catalog.listServiceModels(me, id, page);
  }

  @Post(':id/models')
  @ApiCreatedResponse({ type: LlmModelResponseDto })
  createModel(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: CreateLlmModelDto,
  ): Promise<LlmModelResponseDto> {
    return this.catalog.createModel(me, id, dto);
  }
}
