import { PageOf } from '../../common/pagination/pagination';
import { ApiProperty } from '@nestjs/swagger';
import type { UserEntity } from '../user.entity';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ enum: ['user', 'admin'] }) role: 'user' | 'admin';
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UserPageDto extends PageOf(UserResponseDto) {}

export const toUserResponse = (u: UserEntity): UserResponseDto => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  isActive: u.isActive,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});
