import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/config';
import { entities } from './entities';
import { migrations } from './migrations';
import { createPgliteDriver } from './pglite-driver';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** TypeORM options for either driver: `pg` for PostgreSQL, a leased PGlite connection otherwise. */
export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
  };
  if (db.kind === 'postgres') {
    return { ...common, url: db.url, extra: { max: 20, connectionTimeoutMillis: 10_000 } };
  }
  return { ...common, driver: createPgliteDriver(db.dataDir).driver, database: 'postgres' };
}

export function createDataSource(db: DatabaseConfig): DataSource {
  return new DataSource(buildDataSourceOptions(db));
}
