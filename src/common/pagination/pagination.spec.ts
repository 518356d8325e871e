import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ProblemException } from '../errors/problem';
import { decodeCursor, encodeCursor, keysetSql, mapPage, PageQueryDto, toKeysetPage } from './pagination';

const ID = '9b2f6a3e-1c4d-4e5f-8a7b-6c5d4e3f2a1b';
const cursorOf = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function pageErrors(query: Record<string, unknown>): Promise<string[]> {
  const errors = await validate(plainToInstance(PageQueryDto, query), {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  return errors.map((e) => e.property);
}

describe('keyset cursors', () => {
  it('round-trip the timestamp (millisecond precision) and id', () => {
    const at = new Date('2025-03-04T05:06:07.089Z');
    const cursor = encodeCursor(at, ID);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ t: '2025-03-04T05:06:07.089Z', id: ID });
  });

  it.each([
    ['not base64 json', '!!!'],
    ['empty', ''],
    ['json null', cursorOf(null)],
    ['an array', cursorOf([1, 2])],
    ['a missing id', cursorOf({ t: '2025-03-04T05:06:07.089Z' })],
    ['a non-uuid id', cursorOf({ t: '2025-03-04T05:06:07.089Z', id: 'x'.repeat(36) })],
    ['an id of dashes', cursorOf({ t: '2025-03-04T05:06:07.089Z', id: '-'.repeat(36) })],
    ['a date PostgreSQL cannot read', cursorOf({ t: '1', id: ID })],
    ['a date in words', cursorOf({ t: 'March 4, 2025', id: ID })],
    ['an extended year', cursorOf({ t: '+010000-01-01T00:00:00.000Z', id: ID })],
    ['an impossible date', cursorOf({ t: '2025-02-30T00:00:00.000Z', id: ID })],
    ['a numeric timestamp', cursorOf({ t: 1741064767089, id: ID })],
  ])('refuses %s with a 400 naming the cursor', (_label, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProblemException);
    const problem = caught as ProblemException;
    expect(problem.getStatus()).toBe(400);
    expect(problem.problem.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  });
});

describe('PageQueryDto', () => {
  it('accepts limits from 1 to 100 and a cursor', async () => {
    expect(await pageErrors({})).toEqual([]);
    expect(await pageErrors({ limit: '1' })).toEqual([]);
    expect(await pageErrors({ limit: '100', cursor: 'abc' })).toEqual([]);
    expect(plainToInstance(PageQueryDto, { limit: '7' }).limit).toBe(7);
  });

  it.each(['0', '101', '-1', '1.5', 'ten', ''])('refuses limit=%j', async (limit) => {
    expect(await pageErrors({ limit })).toEqual(['limit']);
  });

  it('refuses an over-long cursor and unknown parameters', async () => {
    expect(await pageErrors({ cursor: 'a'.repeat(501) })).toEqual(['cursor']);
    expect(await pageErrors({ offset: '10' })).toEqual(['offset']);
  });
});

describe('mapPage', () => {
  it('maps the items and keeps the cursor', () => {
    expect(mapPage({ items: [1, 2], nextCursor: 'c' }, (n) => n * 10)).toEqual({
      items: [10, 20],
      nextCursor: 'c',
    });
  });
});

describe('keysetSql / toKeysetPage', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const id = '0b9a2f7e-6c1d-4a5e-9f3b-2d8c7e6a5b4c';

  it('orders newest first and asks one row more than the page', () => {
    expect(keysetSql({ limit: 5 }, 2)).toEqual({
      sql: ' ORDER BY created_at DESC, id DESC LIMIT 6',
      params: [],
      limit: 5,
    });
  });

  it('continues after the cursor with numbered parameters', () => {
    const k = keysetSql({ cursor: encodeCursor(at, id) }, 3, { direction: 'oldest' });
    expect(k.sql).toBe(' AND (created_at, id) > ($3, $4) ORDER BY created_at ASC, id ASC LIMIT 21');
    expect(k.params).toEqual([at.toISOString(), id]);
  });

  it('cuts the extra row off and points the cursor at the last item kept', () => {
    const rows = [3, 2, 1].map((n) => ({
      id: `${id.slice(0, -1)}${n}`,
      createdAt: new Date(at.getTime() + n),
    }));
    const page = toKeysetPage(rows, 2);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(page.nextCursor!)).toEqual({ t: rows[1].createdAt.toISOString(), id: rows[1].id });
    expect(toKeysetPage(rows, 3).nextCursor).toBeNull();
  });
});
