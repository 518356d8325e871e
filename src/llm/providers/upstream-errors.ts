import Anthropic, { APIError as AnthropicApiError } from '@anthropic-ai/sdk';
import { HttpStatus } from '@nestjs/common';
import OpenAI, { APIError as OpenAiApiError } from 'openai';
import { ProblemException } from '../../common/errors/problem';
import { EgressRefusedError, ResponseTooLargeError } from '../egress/egress-guard';
import { StreamTooLargeError } from './provider-event-stream';
import { SseEventTooLargeError } from './sse-reader';

/** Raised (as the abort reason) when the provider stays silent longer than the timeout. */
export class UpstreamTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The provider did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

const MAX_UPSTREAM_MESSAGE = 300;
/** Used when a provider answers 429 without saying when to come back. */
const DEFAULT_RETRY_AFTER_SECONDS = '1';

type SdkApiError = OpenAiApiError | AnthropicApiError;

const isApiError = (err: unknown): err is SdkApiError =>
  err instanceof OpenAI.APIError || err instanceof Anthropic.APIError;

const isConnectionError = (err: unknown): boolean =>
  err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError;

const isSdkTimeout = (err: unknown): boolean =>
  err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError;

/** The egress refusal behind an error, if any: the SDKs wrap fetch failures as connection errors. */
export function egressRefusalOf(err: unknown): EgressRefusedError | null {
  return causeOf(err, (e): e is EgressRefusedError => e instanceof EgressRefusedError);
}

/** The error itself or one of its causes (the clients wrap what fetch threw) that matches. */
function causeOf<T extends Error>(err: unknown, matches: (e: Error) => e is T): T | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (matches(e)) return e;
  }
  return null;
}

/**
 * Worth a second attempt: the connection failed before any answer. Not a
 * timeout (that would double the wait), not a refusal by our own egress guard
 * (it would refuse again), not an abort.
 */
export function isRetryableConnectionError(err: unknown): boolean {
  return (
    isConnectionError(err) && !isSdkTimeout(err) && egressRefusalOf(err) === null && tooLargeOf(err) === null
  );
}

/** The answer was larger than we read (a whole body, a stream, one event): the provider's fault, 502. */
const tooLargeOf = (err: unknown): Error | null =>
  causeOf(
    err,
    (e): e is Error =>
      e instanceof ResponseTooLargeError ||
      e instanceof StreamTooLargeError ||
      e instanceof SseEventTooLargeError,
  );

export interface UpstreamFailureContext {
  /** Our own idle watchdog fired. */
  timedOut: boolean;
  timeoutMs: number;
  /** The credential sent upstream: scrubbed from any provider message we repeat. */
  secret: string | null;
}

/**
 * Maps whatever an upstream call threw to the problem the client sees:
 * timeout → 504, provider 429 → 429 (its Retry-After passed through),
 * provider 5xx / unreachable / broken stream → 502, other provider refusals → 502.
 */
export function toUpstreamProblem(err: unknown, ctx: UpstreamFailureContext): ProblemException {
  if (err instanceof ProblemException) return err;
  if (ctx.timedOut || err instanceof UpstreamTimeoutError || isSdkTimeout(err)) {
    return new ProblemException(HttpStatus.GATEWAY_TIMEOUT, 'Gateway Timeout', {
      detail: `The provider did not answer within ${ctx.timeoutMs} ms`,
    });
  }
  const tooLarge = tooLargeOf(err);
  if (tooLarge) {
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
      detail: `The provider's answer is too large: ${tooLarge.message}`,
    });
  }
  const refusal = egressRefusalOf(err);
  if (refusal) {
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
      detail: `The call to the provider was refused by the egress policy: ${refusal.reason}`,
    });
  }
  if (isApiError(err) && typeof err.status === 'number') {
    const status = err.status;
    const message = scrub(providerMessage(err), ctx.secret);
    if (status === 429) {
      const retryAfter = retryAfterOf(err.headers) ?? DEFAULT_RETRY_AFTER_SECONDS;
      return new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', {
        detail: `The provider is rate limiting requests: ${message}`,
        headers: { 'Retry-After': retryAfter },
      });
    }
    if (status === 408) {
      return new ProblemException(HttpStatus.GATEWAY_TIMEOUT, 'Gateway Timeout', {
        detail: `The provider timed out: ${message}`,
      });
    }
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
      detail:
        status >= 500
          ? `The provider failed (HTTP ${status}): ${message}`
          : `The provider refused the request (HTTP ${status}): ${message}`,
      extensions: { upstreamStatus: status },
    });
  }
  if (isConnectionError(err)) {
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
      detail: 'The provider could not be reached',
    });
  }
  if (isApiError(err)) {
    // An error event inside a stream: no HTTP status, but the provider's own words.
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
      detail: `The provider reported an error: ${scrub(providerMessage(err), ctx.secret)}`,
    });
  }
  // A stream that broke mid-way (socket reset, malformed event) surfaces as a plain error.
  return new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
    detail: 'The connection to the provider failed',
  });
}

/**
 * The provider's own words: OpenAI's client keeps the error object (`{ message }`),
 * Anthropic's the whole body (`{ error: { message } }`); the clients' `message`
 * adds the status or, for Anthropic, the body as JSON.
 */
function providerMessage(err: SdkApiError): string {
  const body = err.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  if (typeof body?.error?.message === 'string') return body.error.message;
  if (typeof body?.message === 'string') return body.message;
  return err.message;
}

function retryAfterOf(headers: Headers | undefined): string | null {
  const value = headers?.get('retry-after')?.trim();
  if (value) return value;
  const ms = Number(headers?.get('retry-after-ms'));
  return Number.isFinite(ms) && ms > 0 ? String(Math.ceil(ms / 1000)) : null;
}

/** Providers sometimes echo (part of) the key in their messages; never repeat it. */
function scrub(message: string, secret: string | null): string {
  let text = message.replace(/\s+/g, ' ').trim();
  if (secret && secret.length >= 4) text = text.split(secret).join('[redacted]');
  text = text.replace(/\b(sk|key|tl)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]');
  return text.length > MAX_UPSTREAM_MESSAGE ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}…` : text;
}
