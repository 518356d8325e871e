import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkUrlSyntax,
  createGuardedFetch,
  EgressRefusedError,
  resolveAndCheck,
  takeNodeBody,
  type EgressPolicy,
  type GuardedFetchOptions,
  type HostLookup,
} from './egress-guard';

const STRICT: EgressPolicy = { allowPrivate: false, allowlist: [] };

/** A lookup answering from a fixed table, so no test depends on real DNS. */
function fakeLookup(table: Record<string, string[]>): HostLookup {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function refusalOf(fn: () => unknown): EgressRefusedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EgressRefusedError) return err;
    throw err;
  }
  throw new Error('expected EgressRefusedError, nothing was thrown');
}

describe('checkUrlSyntax', () => {
  it.each([
    'http://169.254.169.254/',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1',
    'http://[::ffff:7f00:1]',
    'http://[::ffff:127.0.0.1]',
    'http://2130706433',
    'http://0177.0.0.1',
    'http://0x7f000001',
    'http://0x7f.1',
    'http://localhost',
    'http://localhost.',
    'http://localhost..',
    'http://LOCALHOST',
    'http://LocalHost.:8080',
    'http://foo.localhost',
    'http://foo.localhost.',
    'http://[::]',
    'http://[::1]',
    'http://0.0.0.0',
    'http://0',
    'http://10.1.2.3',
    'http://100.64.0.1',
    'http://[fe80::1]',
    'http://[fd00:ec2::254]',
    'http://127.0.0.1.',
    'file:///etc/passwd',
    'ftp://x',
    'gopher://example.com/',
    'data:text/plain,hi',
    'http://user:pw@example.com',
    'https://user@example.com',
    'not a url',
  ])('refuses %s', (raw) => {
    expect(() => checkUrlSyntax(raw, STRICT)).toThrow(EgressRefusedError);
  });

  it('accepts a public provider URL and returns it parsed', () => {
    const url = checkUrlSyntax('https://api.openai.com/v1', STRICT);
    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe('https://api.openai.com/v1');
  });

  it('accepts public literal IPs', () => {
    expect(checkUrlSyntax('http://8.8.8.8/', STRICT).hostname).toBe('8.8.8.8');
    expect(checkUrlSyntax('http://[2606:4700:4700::1111]/', STRICT).hostname).toBe('[2606:4700:4700::1111]');
  });

  it('never echoes credentials, paths or query strings in the refusal reason', () => {
    const refusals = [
      refusalOf(() => checkUrlSyntax('http://user:s3cret@example.com/', STRICT)),
      refusalOf(() => checkUrlSyntax('http://127.0.0.1/v1?key=s3cret', STRICT)),
      refusalOf(() => checkUrlSyntax('ftp://s3cret:s3cret@x/', STRICT)),
      refusalOf(() => checkUrlSyntax('http://[s3cret', STRICT)),
    ];
    for (const err of refusals) {
      expect(err.reason).not.toContain('s3cret');
      expect(err.message).not.toContain('s3cret');
    }
  });

  it('allowPrivate accepts loopback, private IPs and localhost names', () => {
    const policy: EgressPolicy = { allowPrivate: true, allowlist: [] };
    expect(checkUrlSyntax('http://127.0.0.1:4010/v1', policy).hostname).toBe('127.0.0.1');
    expect(checkUrlSyntax('http://10.1.2.3/', policy).hostname).toBe('10.1.2.3');
    expect(checkUrlSyntax('http://localhost:11434', policy).hostname).toBe('localhost');
  });

  it('allowPrivate still refuses cloud metadata endpoints and bad schemes', () => {
    const policy: EgressPolicy = { allowPrivate: true, allowlist: [] };
    expect(() => checkUrlSyntax('http://169.254.169.254/', policy)).toThrow(EgressRefusedError);
    expect(() => checkUrlSyntax('http://[::ffff:a9fe:a9fe]/', policy)).toThrow(EgressRefusedError);
    expect(() => checkUrlSyntax('file:///etc/passwd', policy)).toThrow(EgressRefusedError);
    expect(() => checkUrlSyntax('http://u:p@127.0.0.1/', policy)).toThrow(EgressRefusedError);
  });

  it('allowlist accepts exactly the listed host:port and refuses another port', () => {
    const policy: EgressPolicy = { allowPrivate: false, allowlist: ['127.0.0.1:4010'] };
    expect(checkUrlSyntax('http://127.0.0.1:4010/v1', policy).port).toBe('4010');
    expect(() => checkUrlSyntax('http://127.0.0.1:4011/v1', policy)).toThrow(EgressRefusedError);
    expect(() => checkUrlSyntax('http://127.0.0.1/v1', policy)).toThrow(EgressRefusedError);
    expect(() => checkUrlSyntax('http://10.0.0.1:4010/v1', policy)).toThrow(EgressRefusedError);
  });

  it('allowlist fills in default ports and matches case-insensitively', () => {
    const policy: EgressPolicy = { allowPrivate: false, allowlist: ['LocalHost:80', 'models.lan:443'] };
    expect(checkUrlSyntax('http://localhost/', policy).hostname).toBe('localhost');
    expect(checkUrlSyntax('https://MODELS.lan/', policy).hostname).toBe('models.lan');
    expect(() => checkUrlSyntax('https://localhost/', policy)).toThrow(EgressRefusedError);
  });

  it('allowlist entries are canonicalised like URLs (IPv6, numeric IPv4)', () => {
    const policy: EgressPolicy = { allowPrivate: false, allowlist: ['[::1]:4010', '2130706433:4011'] };
    expect(checkUrlSyntax('http://[0:0::1]:4010/', policy).hostname).toBe('[::1]');
    expect(checkUrlSyntax('http://127.0.0.1:4011/', policy).port).toBe('4011');
  });

  it('ignores allowlist entries without an explicit port', () => {
    const policy: EgressPolicy = { allowPrivate: false, allowlist: ['127.0.0.1'] };
    expect(() => checkUrlSyntax('http://127.0.0.1/', policy)).toThrow(EgressRefusedError);
  });
});

describe('resolveAndCheck', () => {
  const lookup = fakeLookup({
    'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
    'private.example': ['10.0.0.7'],
    'mixed.example': ['93.184.216.34', '127.0.0.1'],
    'mapped.example': ['::ffff:7f00:1'],
    'metadata.example': ['169.254.169.254'],
    'empty.example': [],
  });

  it('returns the first address of a public host', async () => {
    await expect(resolveAndCheck(new URL('https://public.example/v1'), STRICT, lookup)).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
  });

  it.each(['private.example', 'mixed.example', 'mapped.example', 'metadata.example', 'empty.example'])(
    'refuses %s',
    async (host) => {
      await expect(resolveAndCheck(new URL(`https://${host}/`), STRICT, lookup)).rejects.toBeInstanceOf(
        EgressRefusedError,
      );
    },
  );

  it('returns literal IPs without a lookup', async () => {
    const neverCalled: HostLookup = jest.fn();
    await expect(resolveAndCheck(new URL('http://8.8.8.8/'), STRICT, neverCalled)).resolves.toEqual({
      address: '8.8.8.8',
      family: 4,
    });
    await expect(resolveAndCheck(new URL('http://[2606:4700::1]/'), STRICT, neverCalled)).resolves.toEqual({
      address: '2606:4700::1',
      family: 6,
    });
    expect(neverCalled).not.toHaveBeenCalled();
  });

  it('refuses forbidden literals even when called without checkUrlSyntax', async () => {
    await expect(resolveAndCheck(new URL('http://0x7f000001/'), STRICT, lookup)).rejects.toBeInstanceOf(
      EgressRefusedError,
    );
  });

  it('allowPrivate accepts a private answer but not metadata', async () => {
    const policy: EgressPolicy = { allowPrivate: true, allowlist: [] };
    await expect(resolveAndCheck(new URL('http://private.example/'), policy, lookup)).resolves.toEqual({
      address: '10.0.0.7',
      family: 4,
    });
    await expect(resolveAndCheck(new URL('http://metadata.example/'), policy, lookup)).rejects.toBeInstanceOf(
      EgressRefusedError,
    );
  });

  it('an allowlisted host:port skips the address check', async () => {
    const policy: EgressPolicy = { allowPrivate: false, allowlist: ['private.example:8080'] };
    await expect(resolveAndCheck(new URL('http://private.example:8080/'), policy, lookup)).resolves.toEqual({
      address: '10.0.0.7',
      family: 4,
    });
    await expect(
      resolveAndCheck(new URL('http://private.example:8081/'), policy, lookup),
    ).rejects.toBeInstanceOf(EgressRefusedError);
  });

  it('propagates DNS failures unchanged', async () => {
    await expect(resolveAndCheck(new URL('http://nowhere.example/'), STRICT, lookup)).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });
});

describe.each([
  ['fetch', false],
  ['nodeBodies', true],
])('createGuardedFetch with %s (real sockets on 127.0.0.1)', (_mode, nodeBodies) => {
  const guard = (policy: EgressPolicy, opts: GuardedFetchOptions = {}): typeof fetch =>
    createGuardedFetch(policy, { ...opts, nodeBodies });
  /** A response's text, from the Node stream a nodeBodies fetch keeps aside for a 2xx answer. */
  async function text(res: Response): Promise<string> {
    const node = takeNodeBody(res);
    if (!node) return res.text();
    const chunks: Buffer[] = [];
    for await (const chunk of node as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  const json = async (res: Response): Promise<unknown> => JSON.parse(await text(res)) as unknown;

  interface Seen {
    method: string;
    url: string;
    host: string;
    authorization?: string;
    apiKey?: string;
    contentType?: string;
    body: string;
  }

  let serverA: Server;
  let serverB: Server;
  let portA: number;
  let portB: number;
  const seenByB: Seen[] = [];
  const seenByA: Seen[] = [];

  function record(req: IncomingMessage, body: string): Seen {
    return {
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host ?? '',
      authorization: req.headers.authorization,
      apiKey: req.headers['x-api-key'] as string | undefined,
      contentType: req.headers['content-type'],
      body,
    };
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function redirect(res: ServerResponse, status: number, location: string): void {
    res.writeHead(status, { location, 'content-type': 'text/plain' }).end('redirecting');
  }

  async function handleA(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const seen = record(req, body);
    seenByA.push(seen);
    const b = `http://127.0.0.1:${portB}`;
    switch (req.url) {
      case '/to-b':
        return redirect(res, 302, `${b}/x`);
      case '/to-b-307':
        return redirect(res, 307, `${b}/echo`);
      case '/to-b-303':
        return redirect(res, 303, `${b}/echo`);
      case '/to-localhost':
        return redirect(res, 302, `http://localhost:${portB}/x`);
      case '/to-metadata':
        return redirect(res, 302, 'http://169.254.169.254/latest/meta-data/');
      case '/to-file':
        return redirect(res, 302, 'file:///etc/passwd');
      case '/relative':
        return redirect(res, 302, '/echo');
      case '/loop':
        return redirect(res, 302, '/loop');
      case '/hang':
        return; // never answers: exercises AbortSignal
      case '/huge-error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end(Buffer.alloc(2 * 1024 * 1024, 'x'));
        return;
      case '/small-error':
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' })
          .end('{"error":"slow down"}');
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
    }
  }

  async function handleB(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seen = record(req, await readBody(req));
    seenByB.push(seen);
    if (req.url === '/x') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from B');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  }

  function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Server> {
    const server = createServer((req, res) => void handler(req, res));
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  }

  function close(server: Server): Promise<void> {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  beforeAll(async () => {
    serverA = await listen(handleA);
    serverB = await listen(handleB);
    portA = (serverA.address() as AddressInfo).port;
    portB = (serverB.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all([close(serverA), close(serverB)]);
  });

  beforeEach(() => {
    seenByA.length = 0;
    seenByB.length = 0;
  });

  const onlyA = (): EgressPolicy => ({ allowPrivate: false, allowlist: [`127.0.0.1:${portA}`] });
  const aAndB = (): EgressPolicy => ({
    allowPrivate: false,
    allowlist: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`],
  });

  it('refuses a non-allowlisted private URL without connecting', async () => {
    const guarded = guard(STRICT);
    await expect(guarded(`http://127.0.0.1:${portA}/`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(seenByA).toHaveLength(0);
  });

  it('reaches an allowlisted server', async () => {
    const guarded = guard(onlyA());
    const res = await guarded(`http://127.0.0.1:${portA}/plain`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ method: 'GET', url: '/plain' });
  });

  it('refuses a redirect to a host:port outside the allowlist', async () => {
    const guarded = guard(onlyA());
    await expect(guarded(`http://127.0.0.1:${portA}/to-b`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(seenByB).toHaveLength(0);
  });

  it('follows a redirect whose target is allowlisted too', async () => {
    const guarded = guard(aAndB());
    const res = await guarded(`http://127.0.0.1:${portA}/to-b`);
    expect(res.status).toBe(200);
    expect(await text(res)).toBe('hello from B');
  });

  it('keeps method and body on 307', async () => {
    const guarded = guard(aAndB());
    const res = await guarded(`http://127.0.0.1:${portA}/to-b-307`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"hi"}',
    });
    expect(await json(res)).toMatchObject({
      method: 'POST',
      url: '/echo',
      contentType: 'application/json',
      body: '{"prompt":"hi"}',
    });
  });

  it('turns a POST into a body-less GET on 303', async () => {
    const guarded = guard(aAndB());
    const res = await guarded(`http://127.0.0.1:${portA}/to-b-303`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"hi"}',
    });
    const seen = (await json(res)) as Seen;
    expect(seen).toMatchObject({ method: 'GET', body: '' });
    expect(seen.contentType).toBeUndefined();
  });

  it('drops credential headers on a cross-origin redirect but keeps them same-origin', async () => {
    const guarded = guard(aAndB());
    const headers = new Headers({ authorization: 'Bearer sk-test', 'x-api-key': 'sk-ant-test' });

    const crossOrigin = (await json(
      await guarded(`http://127.0.0.1:${portA}/to-b-307`, { headers }),
    )) as Seen;
    expect(crossOrigin.authorization).toBeUndefined();
    expect(crossOrigin.apiKey).toBeUndefined();

    const sameOrigin = (await json(await guarded(`http://127.0.0.1:${portA}/relative`, { headers }))) as Seen;
    expect(sameOrigin).toMatchObject({
      url: '/echo',
      authorization: 'Bearer sk-test',
      apiKey: 'sk-ant-test',
    });
  });

  it.each(['/to-localhost', '/to-metadata', '/to-file'])('refuses redirect %s', async (path) => {
    const guarded = guard({
      allowPrivate: false,
      allowlist: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`],
    });
    await expect(guarded(`http://127.0.0.1:${portA}${path}`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(seenByB).toHaveLength(0);
  });

  it('gives up after maxRedirects', async () => {
    const guarded = guard(onlyA(), { maxRedirects: 2 });
    await expect(guarded(`http://127.0.0.1:${portA}/loop`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(seenByA).toHaveLength(3);
  });

  it('returns the redirect itself when the caller asks for redirect: manual', async () => {
    const guarded = guard(onlyA());
    const res = await guarded(`http://127.0.0.1:${portA}/to-b`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:${portB}/x`);
  });

  it('pins the connection to the checked address and keeps the Host header as written', async () => {
    const lookup = jest.fn(fakeLookup({ 'fake.test': ['127.0.0.1'] }));
    const guarded = guard({ allowPrivate: false, allowlist: [`FAKE.test:${portA}`] }, { lookup });
    const res = await guarded(`http://fake.test:${portA}/whoami`);
    expect(await json(res)).toMatchObject({ url: '/whoami', host: `fake.test:${portA}` });
    expect(lookup).toHaveBeenCalledWith('fake.test');
  });

  it('refuses a hostname whose lookup answers with a private address', async () => {
    const lookup = fakeLookup({ 'rebind.test': ['93.184.216.34', '127.0.0.1'] });
    const guarded = guard(STRICT, { lookup });
    await expect(guarded(`http://rebind.test:${portA}/`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(seenByA).toHaveLength(0);
  });

  it('accepts a Request object and a streamed body (a nodeBodies fetch refuses them)', async () => {
    const guarded = guard(onlyA());
    if (nodeBodies) {
      const stream = new Blob(['streamed']).stream();
      await expect(
        guarded(`http://127.0.0.1:${portA}/stream`, { method: 'POST', body: stream } as RequestInit),
      ).rejects.toBeInstanceOf(TypeError);
      expect(seenByA).toHaveLength(0);
      return;
    }
    const body = new Blob(['streamed']).stream();
    const res = await guarded(`http://127.0.0.1:${portA}/stream`, { method: 'POST', body } as RequestInit);
    expect(await json(res)).toMatchObject({ method: 'POST', body: 'streamed' });

    const request = new Request(`http://127.0.0.1:${portA}/req`, { method: 'PUT', body: 'from-request' });
    const res2 = await guarded(request);
    expect(await json(res2)).toMatchObject({ method: 'PUT', url: '/req', body: 'from-request' });
  });

  it('answers an error status with its body and headers (a nodeBodies fetch reads it whole)', async () => {
    const res = await guard(onlyA())(`http://127.0.0.1:${portA}/small-error`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(takeNodeBody(res)).toBeUndefined();
    expect(await res.json()).toEqual({ error: 'slow down' });
  });

  it('bounds an error body a nodeBodies fetch reads whole (1 MiB)', async () => {
    const res = guard(onlyA())(`http://127.0.0.1:${portA}/huge-error`);
    if (nodeBodies) await expect(res).rejects.toThrow(/exceeds 1048576 bytes/);
    else expect((await res).status).toBe(500);
  });

  it('aborts an in-flight request via init.signal', async () => {
    const guarded = guard(onlyA());
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expect(
      guarded(`http://127.0.0.1:${portA}/hang`, { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects straight away when the signal is already aborted', async () => {
    const guarded = guard(onlyA());
    await expect(
      guarded(`http://127.0.0.1:${portA}/plain`, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seenByA).toHaveLength(0);
  });
});
