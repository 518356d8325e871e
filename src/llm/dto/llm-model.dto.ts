import { PageOf } from '../../common/pagination/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { LLM_MODALITIES, LlmModality, type LlmModelEntity } from '../llm-model.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const IsPresentOrAbsent = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);
const MAX_CONTEXT_WINDOW = 100_000_000;

export class CreateLlmModelDto {
  @ApiProperty({ maxLength: 200, description: "The provider's model name, e.g. gpt-4o-mini" })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ enum: LLM_MODALITIES, default: 'chat' })
  @IsOptional()
  @IsIn(LLM_MODALITIES)
  modality?: LlmModality;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  supportsTools?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONTEXT_WINDOW)
  contextWindow?: number | null;
}

export class UpdateLlmModelDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsPresentOrAbsent()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: LLM_MODALITIES })
  @IsPresentOrAbsent()
  @IsIn(LLM_MODALITIES)
  modality?: LlmModality;

  @ApiPropertyOptional()
  @IsPresentOrAbsent()
  @IsBoolean()
  supportsTools?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, description: 'null clears it' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONTEXT_WINDOW)
  contextWindow?: number | null;
}

export class LlmModelResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) serviceId: string;
  @ApiProperty({ description: 'Name of the service; the gateway model id is <serviceName>/<name>' })
  serviceName: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: LLM_MODALITIES }) modality: LlmModality;
  @ApiProperty() supportsTools: boolean;
  @ApiProperty({ type: Number, nullable: true }) contextWindow: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class LlmModelPageDto extends PageOf(LlmModelResponseDto) {}

/** Needs the model's service loaded (every query that feeds a response joins it). */
export const toLlmModelResponse = (m: LlmModelEntity): LlmModelResponseDto => ({
  id: m.id,
  serviceId: m.serviceId,
  serviceName: m.service?.name ?? '',
  name: m.name,
  modality: m.modality,
  supportsTools: m.supportsTools,
  contextWindow: m.contextWindow,
  createdAt: m.createdAt.toISOString(),
});
