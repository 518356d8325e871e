import type { FastifyAdapter } from '@nestjs/platform-fastify';

/** Body media types the API accepts: JSON everywhere, multipart for uploads. */
const ACCEPTED = [/^application\/json$/, /^application\/[\w.+-]+\+json$/, /^multipart\/form-data$/];

/**
 * The API speaks JSON, but Fastify parses text/plain by default and Nest adds
 * application/x-www-form-urlencoded: such a body would reach validation and
 * answer 400. Refuse it with 415 before parsing, as clients expect.
 */
export function acceptOnlyJsonBodies(adapter: FastifyAdapter): void {
  adapter.getInstance().addHook('onRequest', (request, _reply, done) => {
    const header = request.headers['content-type'];
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    if (!header || !hasBody) return done();
    const type = header.split(';')[0].trim().toLowerCase();
    if (ACCEPTED.some((re) => re.test(type))) return done();
    done(
      Object.assign(new Error('Unsupported Content-Type'), {
        statusCode: 415,
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      }),
    );
  });
}
