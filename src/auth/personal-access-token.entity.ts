import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const TOKEN_SCOPES = ['llm:invoke', 'read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

@Entity('personal_access_tokens')
export class PersonalAccessTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** SHA-256 of the whole token; the token itself is shown once. */
  @Column({ type: 'varchar', length: 64 })
  tokenHash: string;

  /** Last four characters, so a user can tell tokens apart. */
  @Column({ type: 'varchar', length: 8 })
  tokenHint: string;

  @Column({ type: 'text', array: true })
  scopes: TokenScope[];

  /** The user's password version at creation: a password change kills the token. */
  @Column({ type: 'int' })
  passwordVersion: number;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;
}
