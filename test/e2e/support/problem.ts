import type { Response } from 'supertest';

/**
 * Asserts an RFC 9457 problem answer: the status, the media type, the members
 * every problem carries, and nothing an attacker could learn from (no stack
 * frames, no SQL).
 */
export function expectProblem(res: Response, status: number): Record<string, unknown> {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
    }),
  );
  expectNoLeak(res.text);
  return body;
}

/** No stack frames and no SQL in a response body. */
export function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bat \S+ \(|\bat <anonymous>|\.ts:\d+:\d+|node_modules/);
  expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE FROM|QueryFailedError)\b/);
}

/** The `errors` of a validation problem, as field names. */
export function problemFields(res: Response): string[] {
  const errors = (res.body as { errors?: { field: string; message: string }[] }).errors ?? [];
  for (const e of errors) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
  return [...new Set(errors.map((e) => e.field))];
}
