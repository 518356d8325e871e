import { io, Socket } from 'socket.io-client';
import type {
  Ack,
  ActionChunkPayload,
  ActionCompletedPayload,
  ActionCreatedPayload,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../../src/realtime/realtime.events';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Records every action event a socket receives, from the moment it connects. */
export class ActionRecorder {
  readonly created: ActionCreatedPayload[] = [];
  readonly chunks = new Map<string, ActionChunkPayload[]>();
  readonly completed = new Map<string, ActionCompletedPayload>();
  private readonly waiters = new Map<string, ((c: ActionCompletedPayload) => void)[]>();

  constructor(socket: ClientSocket) {
    socket.on('action:created', (p) => this.created.push(p));
    socket.on('action:chunk', (p) => {
      const list = this.chunks.get(p.actionId) ?? [];
      list.push(p);
      this.chunks.set(p.actionId, list);
    });
    socket.on('action:completed', (p) => {
      this.completed.set(p.actionId, p);
      for (const w of this.waiters.get(p.actionId) ?? []) w(p);
      this.waiters.delete(p.actionId);
    });
  }

  chunksOf(actionId: string): ActionChunkPayload[] {
    return this.chunks.get(actionId) ?? [];
  }

  waitCompleted(actionId: string, timeoutMs = 20_000): Promise<ActionCompletedPayload> {
    const done = this.completed.get(actionId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no action:completed for ${actionId} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const list = this.waiters.get(actionId) ?? [];
      list.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
      this.waiters.set(actionId, list);
    });
  }
}

/** Connects with `auth: { token }`; rejects with the connect_error. */
export function connectSocket(url: string, token: string | undefined): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits a client event and resolves with its acknowledgement. */
export function ask<E extends keyof ClientToServerEvents>(
  socket: ClientSocket,
  event: E,
  payload: unknown,
): Promise<Ack<Record<string, unknown>>> {
  const emit = socket.timeout(15_000).emitWithAck as unknown as (
    e: string,
    p: unknown,
  ) => Promise<Ack<Record<string, unknown>>>;
  return emit.call(socket.timeout(15_000), event, payload);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
