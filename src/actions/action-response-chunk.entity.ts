import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('action_response_chunks')
export class ActionResponseChunkEntity {
  @PrimaryColumn({ type: 'uuid' })
  actionId: string;

  @PrimaryColumn({ type: 'integer' })
  order: number;

  @Column({ type: 'varchar', length: 100 })
  mime: string;

  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ type: 'bytea', nullable: true })
  data: Buffer | null;
}
