import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLlmServicesAndModels1764000200000 implements MigrationInterface {
  name = 'CreateLlmServicesAndModels1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE llm_services (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        provider varchar(20) NOT NULL CHECK (provider IN ('openai', 'openai-compatible', 'anthropic')),
        base_url varchar(2048) NOT NULL,
        api_key_encrypted text,
        api_key_last4 varchar(4),
        auth_ref varchar(128),
        owner_id uuid REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (api_key_encrypted IS NULL OR auth_ref IS NULL)
      )`);
    // One name per owner; global services (owner_id NULL) share one namespace.
    await q.query(
      `CREATE UNIQUE INDEX llm_services_owner_name_key ON llm_services (owner_id, name) WHERE owner_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX llm_services_global_name_key ON llm_services (name) WHERE owner_id IS NULL`,
    );
    await q.query(
      `CREATE INDEX llm_services_owner_created_idx ON llm_services (owner_id, created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE llm_models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_id uuid NOT NULL REFERENCES llm_services(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        modality varchar(10) NOT NULL DEFAULT 'chat' CHECK (modality IN ('chat', 'embedding')),
        supports_tools boolean NOT NULL DEFAULT false,
        context_window integer CHECK (context_window IS NULL OR context_window > 0),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX llm_models_service_name_key ON llm_models (service_id, name)`);
    await q.query(
      `CREATE INDEX llm_models_service_created_idx ON llm_models (service_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE llm_models`);
    await q.query(`DROP TABLE llm_services`);
  }
}
