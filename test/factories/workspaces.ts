import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface CreatedWorkspace {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
}

/** Creates a workspace for the user through the public API. */
export async function createWorkspace(
  http: () => TestAgent,
  auth: { Authorization: string },
  name = `Workspace ${randomUUID().slice(0, 8)}`,
): Promise<CreatedWorkspace> {
  const res = await http().post('/api/workspaces').set(auth).send({ name });
  if (res.status !== 201)
    throw new Error(`create workspace failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CreatedWorkspace;
}
