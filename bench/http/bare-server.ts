/**
 * The baseline for bench/http: a bare Fastify + `pg` server answering
 * `GET /api/workspaces` with the same work the app does for that request —
 * the HS256 check (jsonwebtoken, as passport-jwt uses), the session + user
 * lookup, the lastSeenAt touch when due, the workspace page query and the
 * same response body — and nothing else (no Nest, no guards, no pipes, no
 * TypeORM, no request id). The SQL is what TypeORM emits for
 * SessionsRepository.findCredential, SessionsRepository.touch and
 * WorkspacesRepository.listOwned (captured with TypeORM query logging).
 *
 * Started by bench/http/run.ts as a child process:
 *   PORT, DATABASE_URL, JWT_SECRET, PG_POOL_MAX (default 20, as the app).
 */
import { createSecretKey } from 'node:crypto';
import Fastify, { FastifyReply } from 'fastify';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';

const SESSION_WITH_USER_SQL =
  'SELECT "s"."id" AS "s_id", "s"."user_id" AS "s_user_id", "s"."issued_at" AS "s_issued_at", ' +
  '"s"."expires_at" AS "s_expires_at", "s"."last_seen_at" AS "s_last_seen_at", "s"."ip_net" AS "s_ip_net", ' +
  '"s"."user_agent" AS "s_user_agent", "s"."revoked_at" AS "s_revoked_at", ' +
  '"s"."refresh_token_hash" AS "s_refresh_token_hash", "u"."id" AS "u_id", "u"."email" AS "u_email", ' +
  '"u"."display_name" AS "u_display_name", "u"."is_active" AS "u_is_active", "u"."role" AS "u_role", ' +
  '"u"."password_version" AS "u_password_version", "u"."password_hash" AS "u_password_hash", ' +
  '"u"."created_at" AS "u_created_at" FROM "web_sessions" "s" INNER JOIN "users" "u" ON "u"."id" = "s"."user_id" ' +
  'WHERE "s"."id" = $1 AND "s"."user_id" = $2';

const TOUCH_SQL = 'UPDATE "web_sessions" SET "last_seen_at" = $1 WHERE "id" = $2';

const PAGE_SIZE = 20;
const WORKSPACE_PAGE_SQL =
  'SELECT "w"."id" AS "w_id", "w"."name" AS "w_name", "w"."owner_id" AS "w_owner_id", ' +
  '"w"."created_at" AS "w_created_at" FROM "workspaces" "w" WHERE "w"."owner_id" = $1 ' +
  `ORDER BY "w"."created_at" DESC, "w"."id" DESC LIMIT ${PAGE_SIZE + 1}`;

const TOUCH_INTERVAL_MS = 60_000;

interface SessionRow {
  s_id: string;
  s_expires_at: Date;
  s_last_seen_at: Date;
  s_revoked_at: Date | null;
  u_is_active: boolean;
  u_password_version: number;
}

interface WorkspaceRow {
  w_id: string;
  w_name: string;
  w_owner_id: string;
  w_created_at: Date;
}

const port = Number(process.env.PORT ?? 3101);
// A KeyObject: given a string, jsonwebtoken first tries (and fails) to parse it
// as a PEM public key on every call, which costs more than the HMAC itself.
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'));
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.PG_POOL_MAX ?? 20),
  connectionTimeoutMillis: 10_000,
});

function unauthorized(reply: FastifyReply, detail: string): FastifyReply {
  return reply
    .code(401)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: 'Unauthorized', status: 401, detail });
}

const encodeCursor = (createdAt: Date, id: string): string =>
  Buffer.from(JSON.stringify({ t: createdAt.toISOString(), id })).toString('base64url');

const app = Fastify({ logger: false });

app.get('/health', async () => ({ status: 'ok' }));

app.get('/api/workspaces', async (request, reply) => {
  const credential = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!credential) return unauthorized(reply, 'Authentication is required');
  let payload: { sub?: unknown; sid?: unknown; pv?: unknown };
  try {
    payload = jwt.verify(credential, secret, { algorithms: ['HS256'] }) as typeof payload;
  } catch {
    return unauthorized(reply, 'The access token is invalid or expired');
  }
  const { sub, sid, pv } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof pv !== 'number') {
    return unauthorized(reply, 'The access token is invalid or expired');
  }
  const found = (await pool.query<SessionRow>(SESSION_WITH_USER_SQL, [sid, sub])).rows[0];
  const now = new Date();
  if (
    !found ||
    found.s_revoked_at ||
    found.s_expires_at <= now ||
    !found.u_is_active ||
    found.u_password_version !== pv
  ) {
    return unauthorized(reply, 'The access token is no longer valid');
  }
  if (now.getTime() - found.s_last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
    await pool.query(TOUCH_SQL, [now, found.s_id]);
  }
  const rows = (await pool.query<WorkspaceRow>(WORKSPACE_PAGE_SQL, [sub])).rows;
  const items = rows.slice(0, PAGE_SIZE);
  const last = items[items.length - 1];
  return {
    items: items.map((w) => ({
      id: w.w_id,
      name: w.w_name,
      ownerId: w.w_owner_id,
      createdAt: w.w_created_at.toISOString(),
    })),
    nextCursor: rows.length > PAGE_SIZE && last ? encodeCursor(last.w_created_at, last.w_id) : null,
  };
});

const shutdown = (): void => {
  void app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

app.listen({ port, host: '127.0.0.1' }).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
