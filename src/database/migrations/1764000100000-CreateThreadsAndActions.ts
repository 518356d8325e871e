import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateThreadsAndActions1764000100000 implements MigrationInterface {
  name = 'CreateThreadsAndActions1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE threads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX threads_user_created_idx ON threads (user_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE actions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        handler_name varchar(100) NOT NULL,
        title varchar(200),
        request jsonb NOT NULL,
        raw_text text,
        status varchar(10) NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
        is_completed boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        completed_at timestamptz(3),
        heartbeat_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX actions_user_created_idx ON actions (user_id, created_at DESC, id DESC)`);
    // Start-up recovery and the periodic sweep look only at running actions.
    await q.query(
      `CREATE INDEX actions_running_heartbeat_idx ON actions (heartbeat_at) WHERE status = 'running'`,
    );

    await q.query(`
      CREATE TABLE thread_actions (
        thread_id uuid NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        action_id uuid NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        display_order integer NOT NULL CHECK (display_order >= 0),
        show_question boolean NOT NULL DEFAULT true,
        show_answer boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (thread_id, action_id),
        -- Deferred: moving an action shifts its neighbours within one transaction.
        CONSTRAINT thread_actions_thread_order_key UNIQUE (thread_id, display_order) DEFERRABLE INITIALLY DEFERRED
      )`);
    await q.query(`CREATE INDEX thread_actions_action_idx ON thread_actions (action_id)`);

    await q.query(`
      CREATE TABLE action_response_chunks (
        action_id uuid NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        "order" integer NOT NULL CHECK ("order" >= 0),
        mime varchar(100) NOT NULL,
        text text,
        data bytea,
        PRIMARY KEY (action_id, "order")
      )`);

    await q.query(`
      CREATE TABLE action_handler_configurations (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        handler_name varchar(100) NOT NULL,
        configuration jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, handler_name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE action_handler_configurations`);
    await q.query(`DROP TABLE action_response_chunks`);
    await q.query(`DROP TABLE thread_actions`);
    await q.query(`DROP TABLE actions`);
    await q.query(`DROP TABLE threads`);
  }
}
