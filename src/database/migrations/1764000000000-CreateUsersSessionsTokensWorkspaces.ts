import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersSessionsTokensWorkspaces1764000000000 implements MigrationInterface {
  name = 'CreateUsersSessionsTokensWorkspaces1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320) NOT NULL,
        display_name varchar(100) NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        role varchar(10) NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
        password_version integer NOT NULL DEFAULT 1,
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_created_at_id_idx ON users (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE web_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        issued_at timestamptz(3) NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        last_seen_at timestamptz(3) NOT NULL,
        ip_net varchar(64),
        user_agent varchar(512),
        revoked_at timestamptz(3),
        refresh_token_hash varchar(64) NOT NULL
      )`);
    await q.query(
      `CREATE INDEX web_sessions_user_issued_idx ON web_sessions (user_id, issued_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE personal_access_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        token_hash varchar(64) NOT NULL,
        token_hint varchar(8) NOT NULL,
        scopes text[] NOT NULL,
        password_version integer NOT NULL,
        expires_at timestamptz(3),
        last_used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX personal_access_tokens_hash_key ON personal_access_tokens (token_hash)`,
    );
    await q.query(
      `CREATE INDEX personal_access_tokens_user_created_idx ON personal_access_tokens (user_id, created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX workspaces_owner_created_idx ON workspaces (owner_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workspaces`);
    await q.query(`DROP TABLE personal_access_tokens`);
    await q.query(`DROP TABLE web_sessions`);
    await q.query(`DROP TABLE users`);
  }
}
