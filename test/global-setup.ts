import 'reflect-metadata';
import { loadConfig } from '../src/config/config';
import { createDataSource } from '../src/database/data-source';

/**
 * On PostgreSQL, apply the migrations once before any test file boots the app,
 * so that test files running side by side never race to create the schema.
 * (The embedded database is per test file and migrates itself.)
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    JWT_SECRET: 'x'.repeat(32),
    ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
  });
  const ds = await createDataSource(config.database).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
