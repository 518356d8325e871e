import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { MAX_COMPLETION_TOKENS, MAX_MESSAGE_CHARS, MAX_MESSAGES } from '../dto/invoke.dto';

/** OpenAI's roles we can carry to every provider; `developer` is OpenAI's newer name for `system`. */
export const GATEWAY_ROLES = ['system', 'developer', 'user', 'assistant'] as const;
export type GatewayRole = (typeof GATEWAY_ROLES)[number];

/** A string, or an array of text parts `{ type: 'text', text }` (OpenAI's content parts). */
@ValidatorConstraint({ name: 'messageContent' })
class MessageContentConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value === 'string') return value.length <= MAX_MESSAGE_CHARS;
    return (
      Array.isArray(value) &&
      value.length <= MAX_MESSAGES &&
      value.every(
        (part: unknown) =>
          typeof part === 'object' &&
          part !== null &&
          (part as { type?: unknown }).type === 'text' &&
          typeof (part as { text?: unknown }).text === 'string' &&
          (part as { text: string }).text.length <= MAX_MESSAGE_CHARS,
      )
    );
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a string or an array of text parts`;
  }
}

export type GatewayContent = string | Array<{ type: 'text'; text: string }>;

export class GatewayMessageDto {
  @ApiProperty({ enum: GATEWAY_ROLES })
  @IsIn(GATEWAY_ROLES)
  role: GatewayRole;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] })
  @Validate(MessageContentConstraint)
  content: GatewayContent;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;
}

export class StreamOptionsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

/** The subset of OpenAI's Chat Completions request that every provider can honour. */
export class ChatCompletionRequestDto {
  @ApiProperty({ description: '<serviceName>/<modelName>' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(400)
  model: string;

  @ApiProperty({ type: [GatewayMessageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MESSAGES)
  @ValidateNested({ each: true })
  @Type(() => GatewayMessageDto)
  messages: GatewayMessageDto[];

  @ApiPropertyOptional({ minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  top_p?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COMPLETION_TOKENS)
  max_tokens?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COMPLETION_TOKENS)
  max_completion_tokens?: number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  @IsOptional()
  @IsString({ each: true })
  stop?: string | string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1, description: 'Only one choice is supported' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1)
  n?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  // Sampling knobs that common OpenAI wrappers send by default: accepted (so
  // those clients work unchanged) and not forwarded, since not every provider
  // behind a model has them.
  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Accepted and ignored' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  presence_penalty?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Accepted and ignored' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  frequency_penalty?: number;

  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @IsOptional()
  @IsInt()
  seed?: number;
}
