import { randomUUID } from 'node:crypto';
import { DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { ProblemFilter } from './common/errors/problem.filter';
import { acceptOnlyJsonBodies } from './common/http/json-bodies';
import { mountOpenApi } from './common/http/openapi';
import { JsonLogger } from './common/logging/logger';
import { createValidationPipe } from './common/validation/validation';
import type { AppConfigShape } from './config/config';
import { RealtimeIoAdapter } from './realtime/realtime-io.adapter';

/** JSON bodies are small; documents come as multipart with their own limit. */
const JSON_BODY_LIMIT = 5 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Builds the application (not yet listening): the same wiring for `serve`,
 * the e2e tests and the benchmarks.
 */
export async function createApp(
  config: AppConfigShape,
  rootLogger: PinoLogger,
  options: { imports?: NonNullable<DynamicModule['imports']> } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: rootLogger.child({ context: 'http' }),
    trustProxy: config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const fastify = adapter.getInstance();
  // No AsyncLocalStorage for the request id: on Node 20 an active one runs hooks for every
  // promise in the process (~18 % of a streamed completion's CPU). Lines about a request carry
  // `reqId` explicitly (Fastify's request logger, the problem filter, stream errors).
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  acceptOnlyJsonBodies(adapter);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports),
    adapter,
    {
      logger: new JsonLogger(rootLogger),
      bufferLogs: false,
    },
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.useWebSocketAdapter(new RealtimeIoAdapter(app));
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true });
  app.enableShutdownHooks();
  mountOpenApi(app);
  Logger.flush();
  return app;
}
