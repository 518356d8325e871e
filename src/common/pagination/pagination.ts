import { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badRequest } from '../errors/problem';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The response class of a list of `item` for OpenAPI: `class XPageDto extends
 * PageOf(XResponseDto) {}` documents `{ items: X[], nextCursor }` once.
 */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item] }) items: T[];
    @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page' })
    nextCursor: string | null;
  }
  return PageDto;
}

interface KeysetCursor {
  t: string;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 20;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify({ t: createdAt.toISOString(), id } satisfies KeysetCursor)).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): KeysetCursor {
  try {
    const parsed = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as Partial<KeysetCursor> | null;
    // Only what encodeCursor writes: an ISO timestamp that round-trips and a
    // UUID. Whatever Date.parse accepts but PostgreSQL does not ("1",
    // "+010000-…") must answer 400, not reach the query as a 500.
    const t = typeof parsed?.t === 'string' ? parsed.t : '';
    const time = new Date(t);
    if (
      ISO_TIMESTAMP.test(t) &&
      !Number.isNaN(time.getTime()) &&
      time.toISOString() === t &&
      typeof parsed?.id === 'string' &&
      UUID.test(parsed.id)
    ) {
      return { t, id: parsed.id };
    }
  } catch {
    // falls through to the problem below
  }
  throw badRequest('cursor is not a valid cursor', [
    { field: 'cursor', message: 'cursor is not a valid cursor' },
  ]);
}

export type SortDirection = 'newest' | 'oldest';

/**
 * Keyset pagination on `(created_at, id)`: each page costs one index range
 * scan whatever the table size. Fetches one row more than asked to know
 * whether a next page exists.
 */
export async function paginate<E extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<E>,
  page: PageQueryDto,
  options: { createdAtColumn?: string; direction?: SortDirection } = {},
): Promise<Page<E>> {
  const alias = qb.alias;
  const column = `${alias}.${options.createdAtColumn ?? 'createdAt'}`;
  const idColumn = `${alias}.id`;
  const newest = (options.direction ?? 'newest') === 'newest';
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    qb.andWhere(`(${column}, ${idColumn}) ${newest ? '<' : '>'} (:cursorT, :cursorId)`, {
      cursorT: c.t,
      cursorId: c.id,
    });
  }
  const order = newest ? 'DESC' : 'ASC';
  const rows = await qb
    .orderBy(column, order)
    .addOrderBy(idColumn, order)
    .take(limit + 1)
    .getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as (E & Record<string, unknown>) | undefined;
  const createdKey = options.createdAtColumn ?? 'createdAt';
  const nextCursor = rows.length > limit && last ? encodeCursor(last[createdKey] as Date, last.id) : null;
  return { items, nextCursor };
}

/**
 * The same keyset page for repositories that write plain SQL on hot paths:
 * the condition, order and limit to append after a `WHERE …` whose own
 * parameters are `$1…$(nextParam-1)` (columns `created_at` and `id`, or the
 * given ones), and `toKeysetPage` to cut the extra row off.
 */
export function keysetSql(
  page: PageQueryDto,
  nextParam: number,
  options: { createdAtColumn?: string; idColumn?: string; direction?: SortDirection } = {},
): { sql: string; params: unknown[]; limit: number } {
  const created = options.createdAtColumn ?? 'created_at';
  const id = options.idColumn ?? 'id';
  const newest = (options.direction ?? 'newest') === 'newest';
  const order = newest ? 'DESC' : 'ASC';
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const params: unknown[] = [];
  let sql = '';
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    sql += ` AND (${created}, ${id}) ${newest ? '<' : '>'} ($${nextParam}, $${nextParam + 1})`;
    params.push(c.t, c.id);
  }
  sql += ` ORDER BY ${created} ${order}, ${id} ${order} LIMIT ${limit + 1}`;
  return { sql, params, limit };
}

export function toKeysetPage<T extends { id: string; createdAt: Date }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

export const mapPage = <E, R>(page: Page<E>, map: (e: E) => R): Page<R> => ({
  items: page.items.map(map),
  nextCursor: page.nextCursor,
});
