import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { ActionChunk } from '../actions/actions.events';
import { AppConfig } from '../config/app-config';
import { closeRedis, RedisConnection } from '../redis/redis.module';
import type { ActionCompletedPayload } from './realtime.events';

/** What the instance running an action tells the others: a stored batch of chunks, or the end. */
export type RelayMessage =
  | { kind: 'chunks'; actionId: string; rooms: string[]; chunks: ActionChunk[] }
  | { kind: 'completed'; rooms: string[]; completed: ActionCompletedPayload };

/** JSON on the wire: `data` as base64 (JSON has no bytes). */
interface WireChunk {
  o: number;
  m: string;
  t?: string;
  d?: string;
}

type WireMessage =
  | { k: 'chunks'; a: string; r: string[]; c: WireChunk[] }
  | { k: 'completed'; r: string[]; p: ActionCompletedPayload };

/** `<origin instance id>\n<JSON>`: a receiver skips its own messages without parsing them. */
export function encodeRelayMessage(origin: string, message: RelayMessage): string {
  let wire: WireMessage;
  if (message.kind === 'chunks') {
    const c = message.chunks.map((chunk) => {
      const w: WireChunk = { o: chunk.order, m: chunk.mime };
      if (chunk.text !== undefined) w.t = chunk.text;
      if (chunk.data !== undefined) w.d = chunk.data.toString('base64');
      return w;
    });
    wire = { k: 'chunks', a: message.actionId, r: message.rooms, c };
  } else {
    wire = { k: 'completed', r: message.rooms, p: message.completed };
  }
  return `${origin}\n${JSON.stringify(wire)}`;
}

export function decodeRelayMessage(raw: string): { origin: string; message: RelayMessage } {
  const cut = raw.indexOf('\n');
  if (cut < 0) throw new Error('relay message without origin');
  const origin = raw.slice(0, cut);
  const wire = JSON.parse(raw.slice(cut + 1)) as WireMessage;
  if (wire.k === 'completed') {
    return { origin, message: { kind: 'completed', rooms: wire.r, completed: wire.p } };
  }
  const chunks = wire.c.map((w) => {
    const chunk: ActionChunk = { order: w.o, mime: w.m };
    if (w.t !== undefined) chunk.text = w.t;
    if (w.d !== undefined) chunk.data = Buffer.from(w.d, 'base64');
    return chunk;
  });
  return { origin, message: { kind: 'chunks', actionId: wire.a, rooms: wire.r, chunks } };
}

/**
 * Carries an action's stream to the other instances: ONE Redis message per
 * stored batch (the Socket.IO Redis adapter would PUBLISH every chunk), and
 * `action:completed` on the same channel so it cannot overtake the last
 * batch. The instance running the action emits to its own sockets itself;
 * every other instance hands what it receives to `deliver`, which emits to
 * its local sockets only. One publishing connection and one subscribed
 * connection per instance, messages handled synchronously as they arrive:
 * Redis keeps them in publish order. Without REDIS_URL it does nothing.
 */
@Injectable()
export class ActionStreamRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActionStreamRelay.name);
  private readonly channel: string;
  /** Tells this instance's own messages apart (Redis delivers them back to it). */
  private readonly origin = randomUUID();
  private readonly originPrefix = `${this.origin}\n`;
  private subscriber: Redis | null = null;
  private deliver: ((message: RelayMessage) => void) | null = null;

  constructor(
    private readonly redis: RedisConnection,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.channel = `${config.redisKeyPrefix}action-stream`;
  }

  /** Whether other instances may exist (Redis configured): only then is anything published. */
  get enabled(): boolean {
    return this.redis.client !== null;
  }

  /** Where messages from other instances go (the gateway's local emit). */
  onRemote(deliver: (message: RelayMessage) => void): void {
    this.deliver = deliver;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = await this.redis.subscribe(this.channel, (raw) => this.receive(raw));
  }

  publish(message: RelayMessage): void {
    const client = this.redis.client;
    if (!client) return;
    client.publish(this.channel, encodeRelayMessage(this.origin, message)).catch((err: unknown) => {
      this.logger.warn({
        msg: 'could not relay an action stream message',
        kind: message.kind,
        err: err instanceof Error ? err.message : String(err),
      });
    });
  }

  private receive(raw: string): void {
    if (raw.startsWith(this.originPrefix) || !this.deliver) return;
    let decoded: { origin: string; message: RelayMessage };
    try {
      decoded = decodeRelayMessage(raw);
    } catch (err) {
      this.logger.warn({
        msg: 'unreadable action stream message',
        err: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    this.deliver(decoded.message);
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    await closeRedis(subscriber);
  }
}
