import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

export const uniqueEmail = (label = 'user'): string => `${label}-${randomUUID().slice(0, 12)}@example.test`;

/** Registers a fresh user through the public API. */
export async function registerUser(
  http: () => TestAgent,
  overrides: { email?: string; password?: string; displayName?: string } = {},
): Promise<RegisteredUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await http()
    .post('/api/auth/register')
    .send({ email, password, ...(overrides.displayName ? { displayName: overrides.displayName } : {}) });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { accessToken: string; refreshToken: string; user: { id: string } };
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { Authorization: `Bearer ${body.accessToken}` },
  };
}

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });
