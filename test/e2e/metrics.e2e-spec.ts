import { bootApp, TestApp } from './support/app';

describe('metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('exposes Prometheus metrics, counting requests by route template', async () => {
    await t.http().get('/health');
    await t.http().get('/api/workspaces/00000000-0000-4000-8000-000000000000');
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('threadline_process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /threadline_http_requests_total\{method="GET",route="\/health",status="200"\} [1-9]/,
    );
    // Ids never become labels: the template is recorded.
    expect(res.text).toContain('route="/api/workspaces/:id",status="401"');
    expect(res.text).not.toContain('00000000-0000-4000-8000-000000000000');
  });
});
