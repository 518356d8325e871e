import { promises as dns } from 'node:dns';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ProblemException, badRequest } from '../common/errors/problem';
import { SecretBox, SecretBoxError } from '../common/crypto/secret-box';
import { AppConfig } from '../config/app-config';
import { readAuthRefSecret } from './auth-ref';
import {
  checkUrlSyntax,
  createGuardedFetch,
  EgressPolicy,
  EgressRefusedError,
  HostLookup,
  resolveAndCheck,
} from './egress/egress-guard';
import type { LlmServiceEntity } from './llm-service.entity';
import { createAnthropicAdapter } from './providers/anthropic.adapter';
import { createOpenAiAdapter } from './providers/openai.adapter';
import type { LlmProviderAdapter } from './providers/provider-adapter';

/** A save must not hang on a slow resolver; the call-time check resolves again anyway. */
const SAVE_LOOKUP_TIMEOUT_MS = 3000;
/** A non-streamed completion is a few KB; a provider's answer past this fails the call with 502. */
const MAX_COMPLETION_BODY_BYTES = 16 * 1024 * 1024;
/** Provider clients kept for reuse (least recently used dropped first). */
const CONNECTION_CACHE_SIZE = 64;

/** The sealed key of a service is bound to its row: a value copied to another row does not open. */
export const apiKeyAssociatedData = (serviceId: string): string => `llm_services.api_key:${serviceId}`;

export interface ServiceConnection {
  adapter: LlmProviderAdapter;
  /** The credential in use, so error messages can be scrubbed of it. */
  secret: string | null;
}

/**
 * Everything about reaching a provider that is not business rules: the egress
 * policy (at save and at call time), the key box, and building a provider
 * adapter for a service with the guarded fetch.
 */
@Injectable()
export class LlmConnections {
  private readonly policy: EgressPolicy;
  /** One guarded fetch for the process, so pinned connections are reused across calls. */
  private readonly guardedFetch: typeof fetch;
  /** The same for streamed answers, whose bodies are read as Node streams. */
  private readonly guardedStreamFetch: typeof fetch;
  /**
   * Provider clients (SDK instance and credential) for recently used
   * services, so a call neither builds a new SDK client nor opens the key
   * again. Every request still goes through the guarded fetch, so the egress
   * checks (resolve, vet, pin) run at each call.
   */
  private readonly cache = new Map<string, ServiceConnection>();
  readonly keys: SecretBox;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.policy = { allowPrivate: config.llmAllowPrivateUrls, allowlist: config.llmEgressAllowlist };
    this.guardedFetch = createGuardedFetch(this.policy, { maxBodyBytes: MAX_COMPLETION_BODY_BYTES });
    this.guardedStreamFetch = createGuardedFetch(this.policy, { nodeBodies: true });
    this.keys = new SecretBox([config.encryptionKey]);
  }

  get timeoutMs(): number {
    return this.config.llmTimeoutMs;
  }

  /**
   * Save-time check of a base URL: syntax (scheme, credentials, loopback names,
   * literal addresses in every notation) and every address the name resolves
   * to. A name that does not resolve right now is accepted: the call-time
   * guard resolves and checks again before every connection.
   */
  async checkBaseUrl(baseUrl: string): Promise<void> {
    try {
      const url = checkUrlSyntax(baseUrl, this.policy);
      await resolveAndCheck(url, this.policy, lookupWithTimeout);
    } catch (err) {
      if (err instanceof EgressRefusedError) {
        throw badRequest(`baseUrl is not allowed: ${err.reason}`, [
          { field: 'baseUrl', message: `baseUrl is not allowed: ${err.reason}` },
        ]);
      }
      if (err instanceof LookupFailedError) return;
      throw err;
    }
  }

  sealApiKey(serviceId: string, apiKey: string): string {
    return this.keys.seal(apiKey, apiKeyAssociatedData(serviceId));
  }

  /**
   * The provider client for a service, reused while nothing it is built from
   * changes: the key is the service id (the sealed key's associated data),
   * provider, base URL and credential source. A sealed key only changes with
   * the row; an authRef is read again at every call and its value is part of
   * the key, so rotating the variable takes effect at once.
   */
  connect(service: LlmServiceEntity): ServiceConnection {
    const sealed = service.apiKeyEncrypted;
    const refSecret = !sealed && service.authRef ? this.credentialOf(service) : null;
    const key = [service.id, service.provider, service.baseUrl, sealed ?? '', refSecret ?? ''].join('\0');
    const cached = this.cache.get(key);
    if (cached) {
      // Re-insert to mark as most recently used.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const connection = this.build(service, sealed ? this.credentialOf(service) : refSecret);
    this.cache.set(key, connection);
    if (this.cache.size > CONNECTION_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return connection;
  }

  private build(service: LlmServiceEntity, secret: string | null): ServiceConnection {
    const conn = {
      provider: service.provider,
      baseUrl: service.baseUrl,
      apiKey: secret,
      fetch: this.guardedFetch,
      streamFetch: this.guardedStreamFetch,
      timeoutMs: this.config.llmTimeoutMs,
    };
    switch (service.provider) {
      case 'openai':
      case 'openai-compatible':
        return { adapter: createOpenAiAdapter(conn), secret };
      case 'anthropic':
        if (secret === null) throw credentialsUnavailable();
        return { adapter: createAnthropicAdapter(conn), secret };
    }
  }

  private credentialOf(service: LlmServiceEntity): string | null {
    if (service.apiKeyEncrypted) {
      try {
        return this.keys.open(service.apiKeyEncrypted, apiKeyAssociatedData(service.id));
      } catch (err) {
        if (err instanceof SecretBoxError) throw credentialsUnavailable();
        throw err;
      }
    }
    if (service.authRef) {
      const value = readAuthRefSecret(service.authRef);
      if (value === null) throw credentialsUnavailable();
      return value;
    }
    return null;
  }
}

/** The stored key cannot be opened (ENCRYPTION_KEY changed) or the authRef variable is unset. */
const credentialsUnavailable = (): ProblemException =>
  new ProblemException(HttpStatus.BAD_GATEWAY, 'Bad Gateway', {
    detail:
      "The service's credentials are not available on this server; ask its owner to set the API key again",
  });

class LookupFailedError extends Error {}

const lookupWithTimeout: HostLookup = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      dns.lookup(hostname, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LookupFailedError('lookup timed out')), SAVE_LOOKUP_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    throw err instanceof LookupFailedError ? err : new LookupFailedError('lookup failed');
  } finally {
    clearTimeout(timer);
  }
};
