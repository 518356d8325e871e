import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface CreatedLlmService {
  id: string;
  name: string;
  provider: 'openai' | 'openai-compatible' | 'anthropic';
  baseUrl: string;
  hasApiKey: boolean;
  apiKeyLast4: string | null;
  authRef: string | null;
  ownerId: string | null;
  global: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedLlmModel {
  id: string;
  serviceId: string;
  serviceName: string;
  name: string;
  modality: 'chat' | 'embedding';
  supportsTools: boolean;
  contextWindow: number | null;
  createdAt: string;
}

export const uniqueServiceName = (label = 'svc'): string => `${label}-${randomUUID().slice(0, 8)}`;

/** Registers an LLM service through the public API (an OpenAI-compatible one unless told otherwise). */
export async function createLlmService(
  http: () => TestAgent,
  auth: { Authorization: string },
  fields: Record<string, unknown> & { baseUrl: string },
): Promise<CreatedLlmService> {
  const res = await http()
    .post('/api/llm/services')
    .set(auth)
    .send({
      name: uniqueServiceName(),
      provider: 'openai-compatible',
      apiKey: 'sk-factory-key-0000',
      ...fields,
    });
  if (res.status !== 201) throw new Error(`create service failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CreatedLlmService;
}

export async function createLlmModel(
  http: () => TestAgent,
  auth: { Authorization: string },
  serviceId: string,
  fields: Record<string, unknown> = {},
): Promise<CreatedLlmModel> {
  const res = await http()
    .post(`/api/llm/services/${serviceId}/models`)
    .set(auth)
    .send({ name: 'gpt-fake', ...fields });
  if (res.status !== 201) throw new Error(`create model failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CreatedLlmModel;
}
