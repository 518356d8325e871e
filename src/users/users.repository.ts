import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Page, PageQueryDto, paginate } from '../common/pagination/pagination';
import { UserEntity, UserRole } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>) {}

  private on(em?: EntityManager): Repository<UserEntity> {
    return em ? em.getRepository(UserEntity) : this.repo;
  }

  create(
    fields: { email: string; displayName: string; passwordHash: string; role: UserRole },
    em?: EntityManager,
  ): Promise<UserEntity> {
    const repo = this.on(em);
    return repo.save(repo.create({ ...fields, email: fields.email.toLowerCase() }));
  }

  findById(id: string, em?: EntityManager): Promise<UserEntity | null> {
    return this.on(em).findOne({ where: { id } });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  async emailTaken(email: string, em?: EntityManager): Promise<boolean> {
    const count = await this.on(em)
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getCount();
    return count > 0;
  }

  /** Active administrators other than this user. */
  async countOtherActiveAdmins(excludeId: string): Promise<number> {
    return this.repo
      .createQueryBuilder('u')
      .where("u.role = 'admin' AND u.isActive = true AND u.id <> :excludeId", { excludeId })
      .getCount();
  }

  list(page: PageQueryDto): Promise<Page<UserEntity>> {
    return paginate(this.repo.createQueryBuilder('u'), page);
  }

  async update(
    id: string,
    changes: Partial<Pick<UserEntity, 'isActive' | 'role' | 'displayName' | 'passwordHash'>>,
    em?: EntityManager,
  ): Promise<void> {
    // An empty PATCH changes nothing; TypeORM refuses an UPDATE without values.
    const values = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(values).length === 0) return;
    await this.on(em).update({ id }, values);
  }

  /** Bumps passwordVersion in the same statement that stores the hash: every earlier token dies with it. */
  async changePassword(id: string, passwordHash: string, em?: EntityManager): Promise<void> {
    await this.on(em)
      .createQueryBuilder()
      .update(UserEntity)
      .set({ passwordHash, passwordVersion: () => 'password_version + 1' })
      .where('id = :id', { id })
      .execute();
  }
}
