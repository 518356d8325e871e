import { PageOf } from '../../common/pagination/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ActionResponseDto, toActionResponse } from '../../actions/dto/action.dto';
import type { ThreadActionEntity } from '../thread-action.entity';
import type { ThreadEntity } from '../thread.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateThreadDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string;
}

export class UpdateThreadDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string;
}

export class UpdateThreadActionDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() showQuestion?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() showAnswer?: boolean;

  @ApiPropertyOptional({ minimum: 0, description: 'New position (0-based); past the end means last' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  displayOrder?: number;
}

export class ThreadResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ThreadActionResponseDto {
  @ApiProperty({ type: ActionResponseDto }) action: ActionResponseDto;
  @ApiProperty({ description: '0, 1, 2 … dense within the thread' }) displayOrder: number;
  @ApiProperty() showQuestion: boolean;
  @ApiProperty() showAnswer: boolean;
}

export class ThreadDetailResponseDto extends ThreadResponseDto {
  @ApiProperty({ type: [ThreadActionResponseDto] }) actions: ThreadActionResponseDto[];
}

export class ThreadPageDto extends PageOf(ThreadResponseDto) {}

export const toThreadResponse = (t: ThreadEntity): ThreadResponseDto => ({
  id: t.id,
  userId: t.userId,
  title: t.title,
  description: t.description,
  createdAt: t.createdAt.toISOString(),
});

export const toThreadActionResponse = (l: ThreadActionEntity): ThreadActionResponseDto => ({
  action: toActionResponse(l.action!),
  displayOrder: l.displayOrder,
  showQuestion: l.showQuestion,
  showAnswer: l.showAnswer,
});
