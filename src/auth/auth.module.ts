import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthController } from './auth.controller';
import { AuthService, ChatSummarySource } from './auth.service';
import { AuthenticationService } from './authentication.service';
import { AuthRateLimitGuard } from './guards/auth-rate-limit.guard';
import { AuthGuard } from './guards/auth.guard';
import { JwtStrategy } from './guards/jwt.strategy';
import { NoChatSummaries } from './no-chat-summaries';
import { PasswordHasher } from './password-hasher';
import { PersonalAccessTokenEntity } from './personal-access-token.entity';
import { RateLimiter } from './rate-limit/rate-limiter';
import { SessionsRepository } from './sessions.repository';
import { TokensRepository } from './tokens.repository';
import { WebSessionEntity } from './web-session.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([WebSessionEntity, PersonalAccessTokenEntity]),
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
    UsersModule,
    WorkspacesModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthenticationService,
    PasswordHasher,
    SessionsRepository,
    TokensRepository,
    RateLimiter,
    AuthRateLimitGuard,
    JwtStrategy,
    { provide: ChatSummarySource, useClass: NoChatSummaries },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthenticationService],
})
export class AuthModule {}
