import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { conflict, notFound } from '../common/errors/problem';
import { mapPage, Page, PageQueryDto } from '../common/pagination/pagination';
import { toUserResponse, UserResponseDto } from './dto/user-response.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEntity, UserRole } from './user.entity';
import { USER_DEACTIVATED, USER_UPDATED, UserDeactivatedEvent, UserUpdatedEvent } from './users.events';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: EventEmitter2,
  ) {}

  /** Creates a user; `em` joins the caller's transaction (registration also creates a workspace). */
  async create(
    fields: { email: string; displayName?: string; passwordHash: string; role?: UserRole },
    em?: EntityManager,
  ): Promise<UserEntity> {
    if (await this.users.emailTaken(fields.email, em)) throw conflict('This email is already registered');
    return this.users.create(
      {
        email: fields.email,
        displayName: fields.displayName?.trim() || fields.email.split('@')[0],
        passwordHash: fields.passwordHash,
        role: fields.role ?? 'user',
      },
      em,
    );
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findByEmail(email);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }

  async getById(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw notFound('User');
    return user;
  }

  changePassword(id: string, passwordHash: string, em?: EntityManager): Promise<void> {
    return this.users.changePassword(id, passwordHash, em);
  }

  async list(page: PageQueryDto): Promise<Page<UserResponseDto>> {
    return mapPage(await this.users.list(page), toUserResponse);
  }

  async get(id: string): Promise<UserResponseDto> {
    return toUserResponse(await this.getById(id));
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserResponseDto> {
    const user = await this.getById(id);
    const losesAdmin =
      user.role === 'admin' && user.isActive && (dto.role === 'user' || dto.isActive === false);
    if (losesAdmin && (await this.users.countOtherActiveAdmins(id)) === 0) {
      // Nobody could manage users any more (the CLI's user:create --admin would be the only way back).
      throw conflict('The last active administrator cannot be demoted or deactivated');
    }
    await this.users.update(id, dto);
    // Credential checks cache the user's role and status: they must see the change now.
    this.events.emit(USER_UPDATED, { userId: id } satisfies UserUpdatedEvent);
    if (user.isActive && dto.isActive === false) {
      // Listeners revoke sessions and tokens; awaited so the 200 means it is done.
      await this.events.emitAsync(USER_DEACTIVATED, { userId: id } satisfies UserDeactivatedEvent);
    }
    return toUserResponse(await this.getById(id));
  }
}
