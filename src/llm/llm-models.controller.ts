import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { PageQueryDto } from '../common/pagination/pagination';
import { LlmModelPageDto, LlmModelResponseDto, UpdateLlmModelDto } from './dto/llm-model.dto';
import { LlmCatalogService } from './llm-catalog.service';

@ApiTags('llm')
@ApiBearerAuth()
@Controller('api/llm/models')
export class LlmModelsController {
  constructor(private readonly catalog: LlmCatalogService) {}

  @Get()
  @ApiOkResponse({
    type: LlmModelPageDto,
    description: 'Every model the caller can use (own and global services)',
  })
  list(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<LlmModelPageDto> {
    return this.catalog.listModels(me, page);
  }

  @Get(':id')
  @ApiOkResponse({ type: LlmModelResponseDto })
  get(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<LlmModelResponseDto> {
    return this.catalog.getModel(me, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: LlmModelResponseDto })
  update(
    @CurrentUser() me: AuthUser,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateLlmModelDto,
  ): Promise<LlmModelResponseDto> {
    return this.catalog.updateModel(me, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.catalog.deleteModel(me, id);
  }
}
