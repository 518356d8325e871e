import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('web_sessions')
export class WebSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'timestamptz', precision: 3 })
  issuedAt: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  expiresAt: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  lastSeenAt: Date;

  /** The client's network (IPv4 /24, IPv6 /64), not its exact address. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ipNet: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  /** SHA-256 of the current refresh token's secret part. */
  @Column({ type: 'varchar', length: 64 })
  refreshTokenHash: string;
}
