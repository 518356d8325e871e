import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { createRootLogger } from './common/logging/logger';
import type { AppConfigShape } from './config/config';

/** Starts the HTTP + Socket.IO server on the configured port. */
export async function bootstrap(config: AppConfigShape): Promise<void> {
  const root = createRootLogger(config.logLevel);
  const app = await createApp(config, root);
  await app.listen({ port: config.port, host: config.host });
  const where =
    config.database.kind === 'postgres' ? 'PostgreSQL' : `PGlite (${config.database.dataDir ?? 'memory'})`;
  new Logger('Bootstrap').log(`Threadline listening on ${config.host}:${config.port}, database ${where}`);
}
