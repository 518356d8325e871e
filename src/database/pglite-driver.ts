import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

/**
 * A `pg`-shaped driver over one embedded PGlite database, for TypeORM's
 * postgres dialect.
 *
 * PGlite is a single connection. `typeorm-pglite` hands that one connection
 * to every query runner at once, so a transaction on one request would swallow
 * the statements of concurrent requests. Here each `connect()` leases the
 * connection exclusively until it is released: a pool of size one with a
 * queue. Results are also made to look like `pg`'s (rowCount, command, int8
 * as string, bytea as Buffer) so repositories see one shape on both drivers.
 */
const LEASE_WAIT_WARN_MS = 10_000;

interface PgLikeResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

type QueryCallback = (err: Error | null, result?: PgLikeResult) => void;

function commandOf(sql: string): string {
  const match = /^\s*(\w+)/.exec(sql);
  return (match?.[1] ?? '').toUpperCase();
}

function byteaFromHex(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

export interface PgliteDriverHandle {
  /** Pass as TypeORM's `driver` option. */
  driver: { Pool: new () => EventEmitter };
  /** The live PGlite instance (created lazily on first use). */
  instance(): Promise<PGlite>;
}

export function createPgliteDriver(dataDir: string | null): PgliteDriverHandle {
  let db: Promise<PGlite> | null = null;
  const instance = (): Promise<PGlite> => {
    if (!db) {
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      db = PGlite.create({
        ...(dataDir ? { dataDir } : {}),
        extensions: { citext, pg_trgm, unaccent },
        parsers: { [types.INT8]: (v: string) => v, [types.BYTEA]: byteaFromHex },
      });
    }
    return db;
  };

  let tail: Promise<void> = Promise.resolve();
  const lease = (): Promise<() => void> => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const acquired = tail.then(() => {
      let done = false;
      return () => {
        if (!done) {
          done = true;
          release();
        }
      };
    });
    tail = tail.then(() => released);
    return acquired;
  };

  async function run(sql: string, params?: unknown[]): Promise<PgLikeResult> {
    const pg = await instance();
    if (params && params.length > 0) {
      const r = await pg.query<Record<string, unknown>>(sql, params);
      return {
        rows: r.rows,
        rowCount: r.affectedRows ?? r.rows.length,
        command: commandOf(sql),
        fields: r.fields,
      };
    }
    const all = await pg.exec(sql);
    const last = all[all.length - 1];
    const rows = (last?.rows ?? []) as unknown[];
    return {
      rows,
      rowCount: last?.affectedRows ?? rows.length,
      command: commandOf(sql),
      fields: last?.fields ?? [],
    };
  }

  class Client extends EventEmitter {
    query(sql: string, params?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<PgLikeResult> {
      const cb = typeof params === 'function' ? params : callback;
      const values = typeof params === 'function' ? undefined : params;
      const p = run(sql, values);
      if (cb)
        p.then(
          (r) => cb(null, r),
          (e: Error) => cb(e),
        );
      return p;
    }
    release(): void {
      /* the release callback handed out by connect() ends the lease */
    }
  }

  class Pool extends EventEmitter {
    connect(cb: (err: Error | null, client?: Client, release?: (err?: unknown) => void) => void): void {
      const started = Date.now();
      const slow = setTimeout(() => {
        this.emit(
          'error',
          new Error(`PGlite connection lease still waiting after ${Date.now() - started} ms`),
        );
      }, LEASE_WAIT_WARN_MS);
      slow.unref();
      lease()
        .then(async (release) => {
          clearTimeout(slow);
          try {
            await instance();
          } catch (err) {
            release();
            cb(err as Error);
            return;
          }
          cb(null, new Client(), () => release());
        })
        .catch((err: Error) => cb(err));
    }
    /** A one-off query outside any query runner still waits its turn for the connection. */
    async query(sql: string, params?: unknown[]): Promise<PgLikeResult> {
      const release = await lease();
      try {
        return await run(sql, params);
      } finally {
        release();
      }
    }
    end(cb?: (err?: Error | null) => void): void {
      const closing = db ? db.then((pg) => pg.close()) : Promise.resolve();
      db = null;
      closing.then(
        () => cb?.(null),
        (e: Error) => cb?.(e),
      );
    }
  }

  return { driver: { Pool }, instance };
}
