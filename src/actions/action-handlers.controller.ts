import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/auth.decorators';
import { ActionHandlersService } from './action-handlers.service';
import { ActionHandlerResponseDto, HandlerConfigurationResponseDto } from './dto/action.dto';

@ApiTags('actions')
@ApiBearerAuth()
@Controller('api/action-handlers')
export class ActionHandlersController {
  constructor(private readonly handlers: ActionHandlersService) {}

  @Get()
  @ApiOkResponse({ type: [ActionHandlerResponseDto] })
  list(): ActionHandlerResponseDto[] {
    return this.handlers.list();
  }

  @Get(':name/config')
  @ApiOkResponse({ type: HandlerConfigurationResponseDto })
  getConfiguration(
    @CurrentUser() me: AuthUser,
    @Param('name') name: string,
  ): Promise<HandlerConfigurationResponseDto> {
    return this.handlers.getConfiguration(me.id, name);
  }

  /** The body is the configuration itself, validated against the handler's configSchema. */
  @Put(':name/config')
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiOkResponse({ type: HandlerConfigurationResponseDto })
  putConfiguration(
    @CurrentUser() me: AuthUser,
    @Param('name') name: string,
    @Body() configuration: Record<string, unknown>,
  ): Promise<HandlerConfigurationResponseDto> {
    return this.handlers.putConfiguration(me.id, name, configuration);
  }
}
