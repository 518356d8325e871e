import { writeFileSync } from 'node:fs';
import type { AppConfigShape } from '../config/config';
import { createApp } from '../app.factory';
import { buildOpenApiDocument } from '../common/http/openapi';
import { createRootLogger } from '../common/logging/logger';

/** Writes the OpenAPI document of every route, booting the app on an in-memory database. */
export async function writeOpenApi(config: AppConfigShape, out?: string): Promise<void> {
  const app = await createApp(
    { ...config, database: { kind: 'pglite', dataDir: null } },
    createRootLogger('warn'),
  );
  try {
    await app.init();
    const json = JSON.stringify(buildOpenApiDocument(app), null, 2);
    if (out) writeFileSync(out, `${json}\n`);
    else process.stdout.write(`${json}\n`);
  } finally {
    await app.close();
  }
}
