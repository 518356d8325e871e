import { bearer, registerUser, RegisteredUser } from '../factories/users';
import { bootApp, TestApp } from './support/app';
import { ask, ClientSocket, connectSocket, sleep } from './support/realtime';

/** Resolves with the disconnect reason, or null if the socket stays connected for `withinMs`. */
function disconnection(socket: ClientSocket, withinMs = 3000): Promise<string | null> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), withinMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('socket connections end with their credentials', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];
  const connect = async (token: string): Promise<ClientSocket> => {
    const socket = await connectSocket(t.url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  async function login(user: RegisteredUser): Promise<string> {
    const res = await t.http().post('/api/auth/login').send({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    return (res.body as { accessToken: string }).accessToken;
  }

  it('logout closes the sockets of that session only', async () => {
    const user = await registerUser(t.http);
    const otherSessionToken = await login(user);
    const stranger = await registerUser(t.http);
    const mine = await connect(user.accessToken);
    const myOtherSession = await connect(otherSessionToken);
    const theirs = await connect(stranger.accessToken);

    const closed = disconnection(mine);
    const otherStays = disconnection(myOtherSession, 1000);
    const theirsStays = disconnection(theirs, 1000);
    expect((await t.http().post('/api/auth/logout').set(user.auth)).status).toBe(204);

    expect(await closed).toBe('io server disconnect');
    expect(await otherStays).toBeNull();
    expect(await theirsStays).toBeNull();
    // The survivors still work.
    expect(
      await ask(myOtherSession, 'thread:subscribe', { threadId: '00000000-0000-4000-8000-000000000000' }),
    ).toEqual(expect.objectContaining({ ok: false, error: expect.objectContaining({ status: 404 }) }));
  });

  it('revoking a session from another device closes its sockets', async () => {
    const user = await registerUser(t.http);
    const laptop = await login(user);
    const phoneSocket = await connect(user.accessToken);
    const sessions = await t.http().get('/api/auth/sessions').set(bearer(laptop));
    const phone = (sessions.body as { items: { id: string; current: boolean }[] }).items.find(
      (s) => !s.current,
    )!;

    const closed = disconnection(phoneSocket);
    expect((await t.http().delete(`/api/auth/sessions/${phone.id}`).set(bearer(laptop))).status).toBe(204);
    expect(await closed).toBe('io server disconnect');
  });

  it('a password change closes every socket of the user', async () => {
    const user = await registerUser(t.http);
    const second = await login(user);
    const a = await connect(user.accessToken);
    const b = await connect(second);
    const closedA = disconnection(a);
    const closedB = disconnection(b);
    const res = await t
      .http()
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: user.password, newPassword: 'an entirely new password' });
    expect(res.status).toBe(204);
    expect(await closedA).toBe('io server disconnect');
    expect(await closedB).toBe('io server disconnect');
    // And they cannot come back with the old tokens.
    await expect(connectSocket(t.url, second)).rejects.toThrow('unauthorized');
  });

  it('revoking a personal access token closes the sockets opened with it', async () => {
    const user = await registerUser(t.http);
    const created = await t
      .http()
      .post('/api/auth/tokens')
      .set(user.auth)
      .send({ name: 'listener', scopes: ['read'] });
    expect(created.status).toBe(201);
    const { id, token } = created.body as { id: string; token: string };
    const viaToken = await connect(token);
    const viaSession = await connect(user.accessToken);

    const closed = disconnection(viaToken);
    const sessionStays = disconnection(viaSession, 1000);
    expect((await t.http().delete(`/api/auth/tokens/${id}`).set(user.auth)).status).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect(await sessionStays).toBeNull();
  });

  it('deactivating a user closes their sockets', async () => {
    const admin = await registerUser(t.http);
    const { UsersService } = await import('../../src/users/users.service');
    await t.app.get(UsersService).update(admin.id, { role: 'admin' });
    const user = await registerUser(t.http);
    const socket = await connect(user.accessToken);
    const closed = disconnection(socket);
    const res = await t.http().patch(`/api/users/${user.id}`).set(admin.auth).send({ isActive: false });
    expect(res.status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    await sleep(50);
    expect(socket.connected).toBe(false);
  });
});
