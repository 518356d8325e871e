import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ProblemException } from '../../common/errors/problem';
import { EgressRefusedError } from '../egress/egress-guard';
import { toUpstreamProblem } from './upstream-errors';

const ctx = { timedOut: false, timeoutMs: 1000, secret: 'sk-secret-key-123456' };

const problemOf = (err: unknown): { status: number; detail?: string; headers?: Record<string, string> } => {
  const p = toUpstreamProblem(err, ctx);
  expect(p).toBeInstanceOf(ProblemException);
  return { status: p.getStatus(), detail: p.problem.detail, headers: p.problem.headers };
};

describe('toUpstreamProblem', () => {
  it('keeps the provider’s words for an error event inside a stream (no HTTP status)', () => {
    const streamed = new OpenAI.APIError(
      undefined,
      { message: 'upstream exploded' },
      'upstream exploded',
      undefined,
    );
    expect(problemOf(streamed)).toMatchObject({
      status: 502,
      detail: 'The provider reported an error: upstream exploded',
    });
  });

  it('never repeats the key a provider echoes back', () => {
    const echoed = new OpenAI.APIError(
      401,
      { message: 'bad key sk-secret-key-123456' },
      'bad key sk-secret-key-123456',
      new Headers(),
    );
    const problem = problemOf(echoed);
    expect(problem.status).toBe(502);
    expect(problem.detail).not.toContain('sk-secret-key-123456');
  });

  it('maps 429 with its Retry-After, 5xx to 502 and timeouts to 504', () => {
    const limited = new OpenAI.APIError(429, undefined, 'slow down', new Headers({ 'retry-after': '7' }));
    expect(problemOf(limited)).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
    expect(problemOf(new Anthropic.APIError(503, undefined, 'overloaded', new Headers())).status).toBe(502);
    expect(toUpstreamProblem(new Error('x'), { ...ctx, timedOut: true }).getStatus()).toBe(504);
  });

  it('says when our own egress policy refused the call', () => {
    const refused = new OpenAI.APIConnectionError({ cause: new EgressRefusedError('loopback address') });
    expect(problemOf(refused)).toMatchObject({
      status: 502,
      detail: expect.stringContaining('egress policy'),
    });
  });
});
