import { PageOf } from '../../common/pagination/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { AUTH_REF_PATTERN } from '../auth-ref';
import { LLM_PROVIDERS, LlmProvider, type LlmServiceEntity } from '../llm-service.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
/** Optional, but when present never null (a PATCH cannot null a required column). */
const IsPresentOrAbsent = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

/** `<serviceName>/<modelName>` names models on the gateway, so a service name cannot hold a slash. */
const SERVICE_NAME = /^[^/]+$/;
const SERVICE_NAME_MESSAGE = 'name must not contain "/"';

export class CreateLlmServiceDto {
  @ApiProperty({
    maxLength: 100,
    description: 'Unique per owner; no "/" (the gateway model id is <service>/<model>)',
  })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(SERVICE_NAME, { message: SERVICE_NAME_MESSAGE })
  name: string;

  @ApiProperty({ enum: LLM_PROVIDERS })
  @IsIn(LLM_PROVIDERS)
  provider: LlmProvider;

  @ApiPropertyOptional({
    maxLength: 2048,
    description:
      'http(s) base URL. Defaults: openai https://api.openai.com/v1, anthropic https://api.anthropic.com; required for openai-compatible',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  baseUrl?: string;

  @ApiPropertyOptional({ writeOnly: true, maxLength: 4096, description: 'Stored encrypted; never returned' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  apiKey?: string;

  @ApiPropertyOptional({
    maxLength: 128,
    description: 'Name of a server environment variable holding the key (administrators only)',
  })
  @IsOptional()
  @IsString()
  @Matches(AUTH_REF_PATTERN, { message: 'authRef must be an environment variable name' })
  authRef?: string;

  @ApiPropertyOptional({ description: 'Create a global service, usable by everyone (administrators only)' })
  @IsOptional()
  @IsBoolean()
  global?: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'null creates a global service (administrators only); otherwise the caller',
  })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsUUID()
  ownerId?: string | null;
}

export class UpdateLlmServiceDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsPresentOrAbsent()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(SERVICE_NAME, { message: SERVICE_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ enum: LLM_PROVIDERS })
  @IsPresentOrAbsent()
  @IsIn(LLM_PROVIDERS)
  provider?: LlmProvider;

  @ApiPropertyOptional({ maxLength: 2048 })
  @IsPresentOrAbsent()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  baseUrl?: string;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'A new key; null removes it' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  apiKey?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'null removes it' })
  @IsOptional()
  @IsString()
  @Matches(AUTH_REF_PATTERN, { message: 'authRef must be an environment variable name' })
  authRef?: string | null;
}

export class LlmServiceResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: LLM_PROVIDERS }) provider: LlmProvider;
  @ApiProperty() baseUrl: string;
  @ApiProperty() hasApiKey: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Last 4 characters of the key' })
  apiKeyLast4: string | null;
  @ApiProperty({ type: String, nullable: true }) authRef: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: a global service' })
  ownerId: string | null;
  @ApiProperty() global: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class LlmServicePageDto extends PageOf(LlmServiceResponseDto) {}

export const toLlmServiceResponse = (s: LlmServiceEntity): LlmServiceResponseDto => ({
  id: s.id,
  name: s.name,
  provider: s.provider,
  baseUrl: s.baseUrl,
  hasApiKey: s.apiKeyEncrypted !== null,
  apiKeyLast4: s.apiKeyLast4,
  authRef: s.authRef,
  ownerId: s.ownerId,
  global: s.ownerId === null,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});
