import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ACTION_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export type FinalActionStatus = Exclude<ActionStatus, 'running'>;

@Entity('actions')
export class ActionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 100 })
  handlerName: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  title: string | null;

  @Column({ type: 'jsonb' })
  request: unknown;

  @Column({ type: 'text', nullable: true })
  rawText: string | null;

  @Column({ type: 'varchar', length: 10 })
  status: ActionStatus;

  @Column({ type: 'boolean', default: false })
  isCompleted: boolean;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  completedAt: Date | null;

  /** Refreshed by the process running the action; a stale one means that process died. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  heartbeatAt: Date | null;
}
