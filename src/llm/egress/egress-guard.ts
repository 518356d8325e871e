import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import {
  Agent,
  Headers as UndiciHeaders,
  fetch as undiciFetch,
  request as undiciRequest,
  type Dispatcher,
  type RequestInit as UndiciRequestInit,
  type Response as UndiciResponse,
} from 'undici';
import { isForbiddenAddress, isMetadataAddress } from './ip-ranges';

/**
 * SSRF guard for outgoing HTTP calls to user-supplied URLs (LLM provider base URLs).
 *
 * Three layers, each needed because the one before it can be fooled:
 *  1. `checkUrlSyntax` refuses schemes, embedded credentials, localhost names and
 *     forbidden literal IPs (after WHATWG normalisation of octal/hex/integer IPv4).
 *  2. `resolveAndCheck` resolves the name and refuses if ANY address is forbidden,
 *     so round-robin records cannot mix a private address in.
 *  3. `createGuardedFetch` pins the connection to the checked address, so a second
 *     DNS answer (rebinding) cannot redirect the socket, and re-runs 1+2 on every
 *     redirect hop.
 */

export interface EgressPolicy {
  /** Trust private networks (dev / self-hosted deployments). Metadata endpoints stay refused. */
  allowPrivate: boolean;
  /** `host:port` entries reachable even when private, matched case-insensitively against the URL as written. */
  allowlist: string[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to every address it has; injectable so tests need no real DNS. */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface GuardedFetchOptions {
  lookup?: HostLookup;
  /** Redirects followed before giving up; default 3. */
  maxRedirects?: number;
  /**
   * Send with undici's `request` instead of `fetch` and keep a successful
   * (2xx) response's body as a Node stream, taken with `takeNodeBody`; the
   * Response itself then has no body. For callers that read a long event
   * stream themselves: a Node stream costs a fraction of a web stream per
   * chunk. Other responses (errors, redirects refused) come with their body.
   * Only string and byte request bodies.
   */
  nodeBodies?: boolean;
  /**
   * With `fetch` (not `nodeBodies`): a successful answer's body is read here,
   * up to this many bytes, and a longer one fails the call with
   * `ResponseTooLargeError`. For callers that read the whole body anyway (a
   * non-streamed completion): a hostile server cannot make the process buffer
   * without end. Unset: the body is handed over unread.
   */
  maxBodyBytes?: number;
}

export type GuardedFetch = typeof fetch;

export class EgressRefusedError extends Error {
  /** Human-readable cause. Never contains URL credentials, paths or query strings. */
  readonly reason: string;

  constructor(reason: string) {
    super(`Outgoing request refused: ${reason}`);
    this.name = 'EgressRefusedError';
    this.reason = reason;
  }
}

const ALLOWED_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 3;
/** Pinned agents kept for connection reuse; bounded because DNS answers rotate. */
const AGENT_CACHE_SIZE = 16;
/** Body headers that must not survive a redirect that drops the body. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language'];
/** Secrets LLM clients send; a cross-origin redirect must not carry them to a new host. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
];

/**
 * How far a URL is exempt from the private-address rules:
 * allowlisted host:port skips every address check, allowPrivate skips all but metadata.
 */
type Exemption = 'none' | 'private-allowed' | 'allowlisted';

/** Parses and statically vets a URL. Throws EgressRefusedError; returns the parsed URL otherwise. */
export function checkUrlSyntax(raw: string, policy: EgressPolicy): URL {
  const url = parseUrl(raw);
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) {
    throw new EgressRefusedError(`scheme "${url.protocol}" is not allowed; use http or https`);
  }
  if (url.username || url.password) {
    throw new EgressRefusedError('credentials embedded in the URL are not allowed');
  }
  const exemption = exemptionFor(url, policy);
  if (exemption === 'none' && isLocalhostName(url.hostname)) {
    throw new EgressRefusedError(`host ${url.host} is a loopback name`);
  }
  const literal = literalAddress(url);
  if (literal) assertAddressAllowed(literal.address, exemption, url);
  return url;
}

/**
 * Resolves the URL's host and vets every address. Returns the address to pin the
 * connection to. Re-runs the syntax check so it is safe to call on its own.
 */
export async function resolveAndCheck(
  url: URL,
  policy: EgressPolicy,
  lookup: HostLookup = defaultLookup,
): Promise<ResolvedAddress> {
  checkUrlSyntax(url.href, policy);
  const exemption = exemptionFor(url, policy);
  const literal = literalAddress(url);
  if (literal) return literal;

  const results = await lookup(url.hostname);
  if (results.length === 0) throw new EgressRefusedError(`host ${url.host} resolved to no addresses`);
  const addresses = results.map((r) => toResolvedAddress(r.address, url));
  for (const { address } of addresses) assertAddressAllowed(address, exemption, url);
  return addresses[0];
}

/**
 * A `fetch` for user-supplied URLs: vetted, DNS-pinned, redirect-checked.
 * Safe to hand to the `openai` and `@anthropic-ai/sdk` clients as their `fetch` option.
 */
export function createGuardedFetch(policy: EgressPolicy, opts: GuardedFetchOptions = {}): GuardedFetch {
  const lookup = opts.lookup ?? defaultLookup;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const agents = new PinnedAgentCache(AGENT_CACHE_SIZE);
  const maxBodyBytes = opts.maxBodyBytes;
  const send = opts.nodeBodies
    ? sendPinnedRequest
    : (hop: Hop, dispatcher: Agent) => sendPinnedFetch(hop, dispatcher, maxBodyBytes);

  const guardedFetch: GuardedFetch = async (input, init) => {
    let hop = firstHop(input, init, policy);
    for (let redirects = 0; ; redirects++) {
      const pinned = await resolveAndCheck(hop.url, policy, lookup);
      // DNS can be slow; honour an abort that happened meanwhile before opening a socket.
      hop.init.signal?.throwIfAborted();
      const answer = await send(hop, agents.agentFor(pinned));
      if (answer.location === null || hop.redirect === 'manual') return answer.response();
      if (hop.redirect === 'error')
        throw new TypeError('fetch failed: redirect encountered with redirect: "error"');
      if (redirects >= maxRedirects)
        throw new EgressRefusedError(`too many redirects (limit ${maxRedirects})`);
      await answer.discard();
      hop = nextHop(hop, answer.status, answer.location, policy);
    }
  };
  return guardedFetch;
}

/** The Node stream behind a body-less Response of a `nodeBodies` fetch (once; later calls get undefined). */
export function takeNodeBody(response: Response): Readable | undefined {
  const body = nodeBodies.get(response);
  nodeBodies.delete(response);
  return body;
}

const nodeBodies = new WeakMap<Response, Readable>();

/** One request of a (possibly redirected) fetch. `redirect` is the caller's mode; we always send 'manual'. */
interface Hop {
  url: URL;
  init: UndiciRequestInit;
  redirect: 'follow' | 'manual' | 'error';
}

/** One hop's answer: a redirect to follow (`location`), or the response to hand back. */
interface HopAnswer {
  status: number;
  location: string | null;
  response: () => Response | Promise<Response>;
  discard: () => Promise<void>;
}

async function sendPinnedFetch(
  hop: Hop,
  dispatcher: Agent,
  maxBodyBytes: number | undefined,
): Promise<HopAnswer> {
  const response = await undiciFetch(hop.url, { ...hop.init, redirect: 'manual', dispatcher });
  return {
    status: response.status,
    location: redirectLocation(response),
    response: () =>
      maxBodyBytes === undefined || response.body === null
        ? asGlobalResponse(response)
        : withBoundedBody(response, maxBodyBytes),
    discard: () => discardBody(response),
  };
}

/** The answer whose body was longer than the caller allows (see `maxBodyBytes`). */
export class ResponseTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the response body exceeds ${limitBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The same answer with its body read (at most `limit` bytes) into memory. */
async function withBoundedBody(response: UndiciResponse, limit: number): Promise<Response> {
  const bytes = await readBounded(response.body as AsyncIterable<Uint8Array>, limit);
  const headers = new Headers();
  response.headers.forEach((value, name) => headers.append(name, value));
  return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
}

/** Bodies of error answers are read whole; a provider's error is small, and this bounds a hostile one. */
const MAX_BUFFERED_BODY_BYTES = 1024 * 1024;
/** Statuses whose Response may not have a body. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

async function sendPinnedRequest(hop: Hop, dispatcher: Agent): Promise<HopAnswer> {
  const { body } = hop.init;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('a nodeBodies fetch sends string or byte bodies only');
  }
  const answer = await undiciRequest(hop.url, {
    method: (hop.init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
    headers: headerRecord(hop.init.headers),
    body: body ?? undefined,
    signal: hop.init.signal ?? undefined,
    dispatcher,
  });
  const status = answer.statusCode;
  const location = REDIRECT_STATUSES.has(status) ? firstHeader(answer.headers.location) : null;
  return {
    status,
    location,
    // Reads the (small) redirect body away so the connection can be reused; a failure only costs it.
    discard: () => answer.body.dump().catch(() => undefined),
    response: async () => {
      const headers = responseHeaders(answer.headers);
      if (status >= 200 && status < 300) {
        const response = new Response(null, { status, headers });
        nodeBodies.set(response, answer.body);
        return response;
      }
      const bytes = NULL_BODY_STATUSES.has(status)
        ? null
        : await readBounded(answer.body, MAX_BUFFERED_BODY_BYTES);
      return new Response(bytes, { status, headers });
    },
  };
}

function headerRecord(headers: UndiciRequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  new UndiciHeaders(headers).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

const firstHeader = (value: string | string[] | undefined): string | null =>
  (Array.isArray(value) ? value[0] : value) ?? null;

/**
 * A body read whole, at most `limit` bytes; past that the read stops (leaving
 * the loop destroys a Node stream and cancels a web stream) and the call fails.
 */
async function readBounded(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new ResponseTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function firstHop(input: string | URL | Request, init: RequestInit | undefined, policy: EgressPolicy): Hop {
  const fromRequest = isRequestLike(input) ? initFromRequest(input) : {};
  // Global (Node-bundled) and npm undici types describe the same runtime shapes.
  const merged = { ...fromRequest, ...(init as UndiciRequestInit | undefined) };
  const { redirect, ...rest } = merged;
  return {
    url: checkUrlSyntax(urlOf(input), policy),
    init: withDuplex(rest),
    redirect: redirect ?? 'follow',
  };
}

function nextHop(hop: Hop, status: number, location: string, policy: EgressPolicy): Hop {
  const url = checkUrlSyntax(resolveLocation(location, hop.url), policy);
  const headers = new UndiciHeaders(hop.init.headers);
  let init: UndiciRequestInit = { ...hop.init, headers };

  if (status === 307 || status === 308) {
    // These redirects replay the body; a stream has already been consumed by the first hop.
    if (isStreamBody(hop.init.body)) {
      throw new TypeError('fetch failed: cannot replay a streamed request body across a redirect');
    }
  } else {
    init = withoutBody(init, headers);
  }
  if (url.origin !== hop.url.origin) {
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  }
  return { url, init, redirect: hop.redirect };
}

/** 301/302/303 turn into a body-less GET (HEAD stays HEAD), as browsers do. */
function withoutBody(init: UndiciRequestInit, headers: UndiciHeaders): UndiciRequestInit {
  const method = init.method?.toUpperCase() === 'HEAD' ? 'HEAD' : 'GET';
  for (const name of BODY_HEADERS) headers.delete(name);
  const { body: _body, duplex: _duplex, ...rest } = init;
  return { ...rest, method };
}

function redirectLocation(response: UndiciResponse): string | null {
  if (!REDIRECT_STATUSES.has(response.status)) return null;
  return response.headers.get('location');
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw new EgressRefusedError('redirect target is not a valid URL');
  }
}

async function discardBody(response: UndiciResponse): Promise<void> {
  // The redirect body is never read; a failure to cancel it must not fail the fetch.
  await response.body?.cancel().catch(() => undefined);
}

function urlOf(input: string | URL | Request): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/** Duck-typed: the global Request and npm undici's Request are different classes. */
function isRequestLike(input: string | URL | Request): input is Request {
  return typeof input === 'object' && !(input instanceof URL) && typeof input.url === 'string';
}

function initFromRequest(request: Request): UndiciRequestInit {
  return {
    method: request.method,
    headers: request.headers as unknown as UndiciRequestInit['headers'],
    body: request.body as UndiciRequestInit['body'],
    signal: request.signal,
    redirect: request.redirect,
  };
}

/** Streaming bodies require `duplex: 'half'` in Node's fetch; clients do not always set it. */
function withDuplex(init: UndiciRequestInit): UndiciRequestInit {
  return isStreamBody(init.body) && !init.duplex ? { ...init, duplex: 'half' } : init;
}

function isStreamBody(body: unknown): boolean {
  return (
    body instanceof ReadableStream ||
    (typeof body === 'object' && body !== null && Symbol.asyncIterator in body)
  );
}

/** npm undici's Response is a different class from the global one but has the same runtime surface. */
function asGlobalResponse(response: UndiciResponse): Response {
  return response as unknown as Response;
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    // Deliberately not echoing the input: it may carry an API key.
    throw new EgressRefusedError('invalid URL');
  }
}

function exemptionFor(url: URL, policy: EgressPolicy): Exemption {
  if (allowlistKeys(policy.allowlist).has(hostPortKey(url))) return 'allowlisted';
  return policy.allowPrivate ? 'private-allowed' : 'none';
}

/** `host:port` as written in the URL, lower-cased, trailing dots dropped, default port filled in. */
function hostPortKey(url: URL): string {
  return `${stripTrailingDots(url.hostname)}:${url.port || DEFAULT_PORTS[url.protocol]}`;
}

/** Normalised allowlists by list: a policy's list is checked on every call, parsed once. */
const allowlistKeyCache = new WeakMap<readonly string[], { entries: string[]; keys: Set<string> }>();

function allowlistKeys(allowlist: readonly string[]): Set<string> {
  const cached = allowlistKeyCache.get(allowlist);
  // The entries are compared too: a caller may have changed the array in place.
  if (
    cached &&
    cached.entries.length === allowlist.length &&
    cached.entries.every((e, i) => e === allowlist[i])
  ) {
    return cached.keys;
  }
  const keys = new Set<string>();
  for (const entry of allowlist) {
    const key = normaliseAllowlistEntry(entry);
    if (key) keys.add(key);
  }
  allowlistKeyCache.set(allowlist, { entries: [...allowlist], keys });
  return keys;
}

/**
 * Canonicalises an allowlist entry the same way URLs are (case, IPv4/IPv6 forms).
 * Entries without an explicit port, or that do not parse, match nothing: guessing
 * a port would silently widen what an operator meant to allow.
 */
function normaliseAllowlistEntry(entry: string): string | null {
  const trimmed = entry.trim();
  if (!/:\d+$/.test(trimmed)) return null;
  try {
    const url = new URL(`http://${trimmed}`);
    if (url.username || url.password || url.pathname !== '/') return null;
    return `${stripTrailingDots(url.hostname)}:${url.port || DEFAULT_PORTS['http:']}`;
  } catch {
    return null;
  }
}

function stripTrailingDots(hostname: string): string {
  return hostname.replace(/\.+$/, '');
}

function isLocalhostName(hostname: string): boolean {
  const name = stripTrailingDots(hostname.toLowerCase());
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The URL host as an IP address when it is a literal (URL keeps IPv6 in brackets). */
function literalAddress(url: URL): ResolvedAddress | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  return family === 4 || family === 6 ? { address: host, family } : null;
}

function toResolvedAddress(address: string, url: URL): ResolvedAddress {
  const family = isIP(address);
  if (family !== 4 && family !== 6)
    throw new EgressRefusedError(`host ${url.host} resolved to an invalid address`);
  return { address, family };
}

function assertAddressAllowed(address: string, exemption: Exemption, url: URL): void {
  if (exemption === 'allowlisted') return;
  if (exemption === 'private-allowed') {
    if (isMetadataAddress(address)) {
      throw new EgressRefusedError(`host ${url.host} is a cloud metadata endpoint (${address})`);
    }
    return;
  }
  if (isForbiddenAddress(address)) {
    throw new EgressRefusedError(`host ${url.host} resolves to a non-public address (${address})`);
  }
}

async function defaultLookup(hostname: string): Promise<LookupAddress[]> {
  return dns.lookup(hostname, { all: true });
}

/**
 * One undici Agent per pinned address. The Agent's lookup ignores the hostname and
 * always answers with the vetted address, so the socket cannot land anywhere else;
 * keying by address (not host) is therefore enough and still allows keep-alive reuse.
 */
class PinnedAgentCache {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly capacity: number) {}

  agentFor(pinned: ResolvedAddress): Agent {
    const key = `${pinned.family}/${pinned.address}`;
    const cached = this.agents.get(key);
    if (cached) {
      // Re-insert to mark as most recently used.
      this.agents.delete(key);
      this.agents.set(key, cached);
      return cached;
    }
    const agent = new Agent({ connect: { lookup: pinnedLookup(pinned) } });
    this.agents.set(key, agent);
    this.evictOverflow();
    return agent;
  }

  private evictOverflow(): void {
    for (const [key, agent] of this.agents) {
      if (this.agents.size <= this.capacity) return;
      this.agents.delete(key);
      // Graceful close lets in-flight requests finish; a close failure only leaks idle sockets.
      agent.close().catch(() => undefined);
    }
  }
}

/** A `net.connect` lookup that always yields the pinned address, in both callback shapes. */
function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    // Answer asynchronously like dns.lookup does; net.connect relies on that ordering.
    process.nextTick(() => {
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
}
