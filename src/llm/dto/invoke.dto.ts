import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { ChatRole } from '../providers/provider-adapter';

export const CHAT_ROLES: readonly ChatRole[] = ['system', 'user', 'assistant'];
export const MAX_MESSAGES = 1000;
export const MAX_MESSAGE_CHARS = 1_000_000;
export const MAX_COMPLETION_TOKENS = 1_000_000;

export class ChatMessageDto {
  @ApiProperty({ enum: CHAT_ROLES })
  @IsIn(CHAT_ROLES)
  role: ChatRole;

  @ApiProperty({ maxLength: MAX_MESSAGE_CHARS })
  @IsString()
  @MaxLength(MAX_MESSAGE_CHARS)
  content: string;
}

export class InvokeDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  modelId: string;

  @ApiProperty({ type: [ChatMessageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MESSAGES)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages: ChatMessageDto[];

  @ApiPropertyOptional({ minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COMPLETION_TOKENS)
  maxTokens?: number;

  @ApiPropertyOptional({ description: 'Answer as Server-Sent Events' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}

export class InvokeMessageDto {
  @ApiProperty({ enum: ['assistant'] }) role: 'assistant';
  @ApiProperty() content: string;
}

export class InvokeUsageDto {
  @ApiProperty() promptTokens: number;
  @ApiProperty() completionTokens: number;
  @ApiProperty() totalTokens: number;
}

export class InvokeResponseDto {
  @ApiProperty({ type: InvokeMessageDto }) message: InvokeMessageDto;
  @ApiProperty({ type: InvokeUsageDto }) usage: InvokeUsageDto;
}

export const toInvokeResponse = (c: { content: string; usage: InvokeUsageDto }): InvokeResponseDto => ({
  message: { role: 'assistant', content: c.content },
  usage: {
    promptTokens: c.usage.promptTokens,
    completionTokens: c.usage.completionTokens,
    totalTokens: c.usage.totalTokens,
  },
});
