import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  Matches,
} from 'class-validator';
import { ACTION_STATUSES, ActionEntity, ActionStatus } from '../action.entity';
import type { ActionResponseChunkEntity } from '../action-response-chunk.entity';
import type { ActionHandlerConfigurationEntity } from '../action-handler-configuration.entity';
import type { ActionHandler } from '../handlers/action-handler';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** What runs an action: the same body for REST (`POST /api/threads/:id/actions`) and Socket.IO (`action:run`). */
export class RunActionDto {
  @ApiProperty({ example: 'echo', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  handler: string;

  @ApiProperty({ description: "Validated against the handler's requestSchema", type: Object })
  @IsDefined()
  request: unknown;

  @ApiPropertyOptional({ description: 'What the user typed', maxLength: 100000 })
  @IsOptional()
  @IsString()
  @MaxLength(100000)
  rawText?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  title?: string;
}

export class UpdateActionDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;
}

export const MAX_CHUNK_PAGE = 1000;

export class ChunkQueryDto {
  @ApiPropertyOptional({
    description: 'Only chunks with a greater order (default: from the first)',
    minimum: -1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(2147483647)
  after?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (same as after=<that order>)' })
  @IsOptional()
  @Matches(/^(-1|\d{1,10})$/, { message: 'cursor is not a valid cursor' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CHUNK_PAGE, default: MAX_CHUNK_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_CHUNK_PAGE)
  limit?: number;
}

export class ActionResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() handlerName: string;
  @ApiProperty({ type: String, nullable: true }) title: string | null;
  @ApiProperty({ description: 'The request as given' }) request: unknown;
  @ApiProperty({ type: String, nullable: true }) rawText: string | null;
  @ApiProperty({ enum: ACTION_STATUSES }) status: ActionStatus;
  @ApiProperty() isCompleted: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt: string | null;
}

export class ActionEnvelopeDto {
  @ApiProperty({ type: ActionResponseDto }) action: ActionResponseDto;
}

export class ChunkResponseDto {
  @ApiProperty({ format: 'uuid' }) actionId: string;
  @ApiProperty({ description: '0, 1, 2 … without gaps' }) order: number;
  @ApiProperty({ example: 'text/plain' }) mime: string;
  @ApiPropertyOptional() text?: string;
  @ApiPropertyOptional({ description: 'Bytes, base64-encoded' }) data?: string;
}

export class ChunkPageDto {
  @ApiProperty({ type: [ChunkResponseDto] }) items: ChunkResponseDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When more chunks are stored: pass it as `cursor` (or `after`) to read on',
  })
  nextCursor: string | null;
}

export class ActionHandlerResponseDto {
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: Object }) requestSchema: Record<string, unknown>;
  @ApiProperty({ type: Object }) configSchema: Record<string, unknown>;
}

export class HandlerConfigurationResponseDto {
  @ApiProperty() handlerName: string;
  @ApiProperty({ type: Object }) configuration: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) createdAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt: string | null;
}

export const toActionResponse = (a: ActionEntity): ActionResponseDto => ({
  id: a.id,
  userId: a.userId,
  handlerName: a.handlerName,
  title: a.title,
  request: a.request,
  rawText: a.rawText,
  status: a.status,
  isCompleted: a.isCompleted,
  createdAt: a.createdAt.toISOString(),
  completedAt: a.completedAt ? a.completedAt.toISOString() : null,
});

export const toChunkResponse = (c: ActionResponseChunkEntity): ChunkResponseDto => {
  const out: ChunkResponseDto = { actionId: c.actionId, order: c.order, mime: c.mime };
  if (c.text !== null) out.text = c.text;
  if (c.data !== null) out.data = c.data.toString('base64');
  return out;
};

export const toActionHandlerResponse = (h: ActionHandler): ActionHandlerResponseDto => ({
  name: h.name,
  description: h.description,
  requestSchema: h.requestSchema,
  configSchema: h.configSchema,
});

export const toHandlerConfigurationResponse = (
  handlerName: string,
  c: ActionHandlerConfigurationEntity | null,
): HandlerConfigurationResponseDto => ({
  handlerName,
  configuration: c?.configuration ?? {},
  createdAt: c ? c.createdAt.toISOString() : null,
  updatedAt: c ? c.updatedAt.toISOString() : null,
});
