import { PageOf } from '../../common/pagination/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { WorkspaceEntity } from '../workspace.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateWorkspaceDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;
}

export class WorkspaceResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class WorkspacePageDto extends PageOf(WorkspaceResponseDto) {}

export const toWorkspaceResponse = (w: WorkspaceEntity): WorkspaceResponseDto => ({
  id: w.id,
  name: w.name,
  ownerId: w.ownerId,
  createdAt: w.createdAt.toISOString(),
});
