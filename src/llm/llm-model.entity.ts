import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { LlmServiceEntity } from './llm-service.entity';

export const LLM_MODALITIES = ['chat', 'embedding'] as const;
export type LlmModality = (typeof LLM_MODALITIES)[number];

@Entity('llm_models')
export class LlmModelEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  serviceId: string;

  /** Loaded by the queries that need the owner scope or the gateway name; not always present. */
  @ManyToOne(() => LlmServiceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'service_id' })
  service?: LlmServiceEntity;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 10, default: 'chat' })
  modality: LlmModality;

  @Column({ type: 'boolean', default: false })
  supportsTools: boolean;

  @Column({ type: 'int', nullable: true })
  contextWindow: number | null;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
