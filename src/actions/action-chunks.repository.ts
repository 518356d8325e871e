import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ActionResponseChunkEntity } from './action-response-chunk.entity';

export interface NewChunk {
  order: number;
  mime: string;
  text: string | null;
  data: Buffer | null;
}

@Injectable()
export class ActionChunksRepository {
  constructor(
    @InjectRepository(ActionResponseChunkEntity)
    private readonly repo: Repository<ActionResponseChunkEntity>,
  ) {}

  /**
   * One INSERT for the whole batch, with five array parameters whatever its
   * size: building a VALUES list through the query builder cost more CPU
   * than the database did. Bytes travel as hex text (both drivers serialise
   * text arrays the same way).
   */
  async appendBatch(actionId: string, chunks: NewChunk[], em?: EntityManager): Promise<void> {
    if (chunks.length === 0) return;
    const runner = em ?? this.repo.manager;
    await runner.query(
      `INSERT INTO action_response_chunks (action_id, "order", mime, text, data)
       SELECT $1::uuid, c.ord, c.mime, c.text, decode(c.hex, 'hex')
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS c(ord, mime, text, hex)`,
      [
        actionId,
        chunks.map((c) => c.order),
        chunks.map((c) => c.mime),
        chunks.map((c) => c.text),
        chunks.map((c) => (c.data ? c.data.toString('hex') : null)),
      ],
    );
  }

  /** Chunks with an order above `after`, in order, one more than `limit` to tell whether more follow. */
  listAfter(actionId: string, after: number, limit: number): Promise<ActionResponseChunkEntity[]> {
    return this.repo
      .createQueryBuilder('c')
      .where('c.actionId = :actionId AND c.order > :after', { actionId, after })
      .orderBy('c.order', 'ASC')
      .limit(limit + 1)
      .getMany();
  }

  async nextOrder(actionId: string, em: EntityManager): Promise<number> {
    const row = await em
      .getRepository(ActionResponseChunkEntity)
      .createQueryBuilder('c')
      .select('MAX(c.order)', 'max')
      .where('c.actionId = :actionId', { actionId })
      .getRawOne<{ max: number | string | null }>();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
  }
}
