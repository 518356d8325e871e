import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ActionEntity } from '../actions/action.entity';

/** An action shown in a thread; one action may appear in several threads. */
@Entity('thread_actions')
export class ThreadActionEntity {
  @PrimaryColumn({ type: 'uuid' })
  threadId: string;

  @PrimaryColumn({ type: 'uuid' })
  actionId: string;

  /** 0, 1, 2 … dense and unique within the thread. */
  @Column({ type: 'integer' })
  displayOrder: number;

  @Column({ type: 'boolean', default: true })
  showQuestion: boolean;

  @Column({ type: 'boolean', default: true })
  showAnswer: boolean;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @ManyToOne(() => ActionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'action_id' })
  action?: ActionEntity;
}
