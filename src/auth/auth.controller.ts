import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PageQueryDto } from '../common/pagination/pagination';
import { UserResponseDto } from '../users/dto/user-response.dto';
import type { AuthUser } from './auth-user';
import { AuthService, ClientInfo } from './auth.service';
import { CurrentUser, Public, SessionOnly } from './decorators/auth.decorators';
import {
  AuthResponseDto,
  ChangePasswordDto,
  CreatedTokenResponseDto,
  CreateTokenDto,
  LoginDto,
  LoginResponseDto,
  RefreshDto,
  RegisterDto,
  TokenPageDto,
  TokenPairDto,
  WebSessionPageDto,
} from './dto/auth.dto';
import { AuthRateLimitGuard } from './guards/auth-rate-limit.guard';

const clientOf = (req: FastifyRequest): ClientInfo => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('register')
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiTooManyRequestsResponse()
  register(@Body() dto: RegisterDto, @Req() req: FastifyRequest): Promise<AuthResponseDto> {
    return this.auth.register(dto, clientOf(req));
  }

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiTooManyRequestsResponse()
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<LoginResponseDto> {
    return this.auth.login(dto, clientOf(req));
  }

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiTooManyRequestsResponse()
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse()
  logout(@CurrentUser() me: AuthUser): Promise<void> {
    return this.auth.logout(me);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: UserResponseDto })
  me(@CurrentUser() me: AuthUser): Promise<UserResponseDto> {
    return this.auth.me(me);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Post('password')
  @HttpCode(204)
  @ApiNoContentResponse()
  changePassword(@CurrentUser() me: AuthUser, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(me, dto);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Get('sessions')
  @ApiOkResponse({ type: WebSessionPageDto })
  sessions(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<WebSessionPageDto> {
    return this.auth.listSessions(me, page);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  revokeSession(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.auth.revokeSession(me, id);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Post('tokens')
  @ApiCreatedResponse({ type: CreatedTokenResponseDto })
  createToken(@CurrentUser() me: AuthUser, @Body() dto: CreateTokenDto): Promise<CreatedTokenResponseDto> {
    return this.auth.createToken(me, dto);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Get('tokens')
  @ApiOkResponse({ type: TokenPageDto })
  tokens(@CurrentUser() me: AuthUser, @Query() page: PageQueryDto): Promise<TokenPageDto> {
    return this.auth.listTokens(me, page);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  revokeToken(@CurrentUser() me: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<void> {
    return this.auth.revokeToken(me, id);
  }
}
