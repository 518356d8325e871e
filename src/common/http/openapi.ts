import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Threadline')
    .setDescription(
      'Backend for AI workbench apps. Errors are RFC 9457 problem+json; lists are keyset-paginated ' +
        '(`limit`, `cursor` → `{ items, nextCursor }`).',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or tl_ personal access token' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the OpenAPI UI at /docs and its JSON at /docs-json. */
export function mountOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
