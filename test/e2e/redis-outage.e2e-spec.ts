/**
 * Redis going away under a running app: routes that need it (the auth rate
 * limits) answer 503 with Retry-After instead of 500, routes that do not keep
 * working, and the app still shuts down. Runs its own redis-server on a free
 * port (skipped where there is no redis-server binary).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { expectProblem } from './support/problem';
import { ClientSocket, connectSocket } from './support/realtime';

const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const describeWithRedisServer = hasRedisServer ? describe : describe.skip;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return child;
}

describeWithRedisServer('when Redis goes away', () => {
  let redis: ChildProcess;
  let t: TestApp;
  let user: RegisteredUser;
  /** A second session of the user, with a socket open on it from before the outage. */
  let session: { accessToken: string; socket: ClientSocket };

  beforeAll(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    t = await bootApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
    user = await registerUser(t.http);
    const login = await t.http().post('/api/auth/login').send({ email: user.email, password: user.password });
    expect(login.status).toBe(200);
    const accessToken = (login.body as { accessToken: string }).accessToken;
    session = { accessToken, socket: await connectSocket(t.url, accessToken) };
    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
  });

  afterAll(async () => {
    session?.socket.disconnect();
    if (redis.exitCode === null) redis.kill('SIGKILL');
    await t?.close();
  });

  it('answers a rate-limited route 503 with Retry-After, not 500', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: user.email, password: user.password });
    const body = expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
    expect(body.title).toBe('Service Unavailable');
    expect(res.text).not.toMatch(/ECONNREFUSED|MaxRetries|127\.0\.0\.1/);
  });

  it('keeps answering routes that do not need Redis', async () => {
    const res = await t.http().get('/api/workspaces').set(user.auth);
    expect(res.status).toBe(200);
  });

  it('survives a broadcast Redis cannot carry: a revoked session still loses its socket here', async () => {
    const closed = new Promise<string>((resolve) => session.socket.once('disconnect', resolve));
    const res = await t
      .http()
      .post('/api/auth/logout')
      .set({ Authorization: `Bearer ${session.accessToken}` });
    expect(res.status).toBe(204);
    await expect(closed).resolves.toBe('io server disconnect');
    // The adapter's PUBLISH failing later must not have ended the process.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await t.http().get('/api/workspaces').set(user.auth)).status).toBe(200);
  });

  it('reports itself not ready', async () => {
    expect((await t.http().get('/ready')).status).toBe(503);
  });
});
