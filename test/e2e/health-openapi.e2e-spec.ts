/**
 * Liveness, readiness (database, and Redis when configured) and the OpenAPI
 * document: every route of SPEC §4–§5, with its request body schema.
 */
import { bootApp, TestApp } from './support/app';

interface Operation {
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, unknown>;
  security?: unknown[];
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

/** Route → the fields its JSON body schema must declare (empty: no body). */
const ROUTES: [string, string, string[]][] = [
  ['post', '/api/auth/register', ['email', 'password', 'displayName']],
  ['post', '/api/auth/login', ['email', 'password']],
  ['post', '/api/auth/refresh', ['refreshToken']],
  ['post', '/api/auth/logout', []],
  ['get', '/api/auth/me', []],
  ['post', '/api/auth/password', ['currentPassword', 'newPassword']],
  ['get', '/api/auth/sessions', []],
  ['delete', '/api/auth/sessions/{id}', []],
  ['post', '/api/auth/tokens', ['name', 'scopes', 'expiresAt']],
  ['get', '/api/auth/tokens', []],
  ['delete', '/api/auth/tokens/{id}', []],
  ['get', '/api/users', []],
  ['get', '/api/users/{id}', []],
  ['patch', '/api/users/{id}', ['isActive', 'role', 'displayName']],
  ['get', '/api/workspaces', []],
  ['post', '/api/workspaces', ['name']],
  ['get', '/api/workspaces/{id}', []],
  ['patch', '/api/workspaces/{id}', ['name']],
  ['delete', '/api/workspaces/{id}', []],
];

let t: TestApp;

beforeAll(async () => {
  t = await bootApp();
});
afterAll(async () => {
  await t.close();
});

describe('health', () => {
  it('GET /health answers 200 { status: ok } without a token', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('GET /ready answers 200 with the database up (and Redis when configured)', async () => {
    const res = await t.http().get('/ready');
    expect(res.status).toBe(200);
    const expected = t.config.redisUrl
      ? { status: 'ok', checks: { database: 'up', redis: 'up' } }
      : { status: 'ok', checks: { database: 'up' } };
    expect(res.body).toEqual(expected);
  });
});

describe('OpenAPI', () => {
  let doc: OpenApiDoc;

  beforeAll(async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as OpenApiDoc;
  });

  it('documents each list as { items: Item[], nextCursor } of its own item type', () => {
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components
      .schemas;
    for (const [page, item] of [
      ['UserPageDto', 'UserResponseDto'],
      ['WorkspacePageDto', 'WorkspaceResponseDto'],
      ['TokenPageDto', 'TokenResponseDto'],
      ['WebSessionPageDto', 'WebSessionResponseDto'],
    ]) {
      expect(schemas[page]).toMatchObject({
        properties: {
          items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
          nextCursor: { type: 'string', nullable: true },
        },
      });
    }
  });

  it('is an OpenAPI 3 document', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(12);
  });

  it.each(ROUTES)('lists %s %s with its request body schema', (method, path, fields) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    if (fields.length === 0) {
      expect(op.requestBody).toBeUndefined();
      return;
    }
    const ref = op.requestBody?.content['application/json']?.schema.$ref;
    expect(ref).toMatch(/^#\/components\/schemas\//);
    const schema = doc.components.schemas[ref!.split('/').pop()!];
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...fields].sort());
  });

  it('lists /health and /ready', () => {
    expect(doc.paths['/health']?.get).toBeDefined();
    expect(doc.paths['/ready']?.get).toBeDefined();
  });

  it('declares the required register fields and never a password in a response schema', () => {
    expect(doc.components.schemas.RegisterDto.required?.sort()).toEqual(['email', 'password']);
    expect(Object.keys(doc.components.schemas.UserResponseDto.properties ?? {})).not.toContain(
      'passwordHash',
    );
  });

  it('serves the UI at /docs', async () => {
    const res = await t.http().get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger/i);
  });
});
