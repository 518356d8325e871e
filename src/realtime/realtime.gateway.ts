import { HttpException, Inject, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import {
  ACTION_CHUNKS,
  ACTION_COMPLETED,
  ActionChunksEvent,
  ActionCompletedEvent,
} from '../actions/actions.events';
import { ActionsService } from '../actions/actions.service';
import type { ActionResponseDto } from '../actions/dto/action.dto';
import type { AuthUser } from '../auth/auth-user';
import { CREDENTIALS_REVOKED, CredentialsRevokedEvent } from '../auth/auth.events';
import { AuthenticationService } from '../auth/authentication.service';
import { PAT_PREFIX } from '../auth/token-crypto';
import { forbidden, ProblemException } from '../common/errors/problem';
import { titleFor } from '../common/errors/status-titles';
import { isDependencyUnavailable } from '../common/errors/to-problem';
import { validateDto } from '../common/validation/validate-dto';
import { validationProblem } from '../common/validation/validation';
import { THREAD_ACTION_ADDED, ThreadActionAddedEvent } from '../threads/threads.events';
import { ThreadsService } from '../threads/threads.service';
import { ActionStreamRelay, RelayMessage } from './action-stream-relay';
import { ChatRoomAccess } from './chat-room-access';
import { CancelActionDto, ChatRoomDto, SocketRunActionDto, ThreadRoomDto } from './dto/socket-payloads.dto';
import {
  Ack,
  AckError,
  ActionChunkPayload,
  ActionCompletedPayload,
  CHAT_COMPLETED,
  CHAT_DELTA,
  ChatCompletedPayload,
  ChatDeltaPayload,
  chatRoom,
  ClientToServerEvents,
  sessionRoom,
  tokenRoom,
  userRoom,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
  threadRoom,
} from './realtime.events';

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** While an action streams, the thread rooms that hold it (refreshed: it may be linked elsewhere meanwhile). */
interface Audience {
  rooms: string[];
  refreshedAt: number;
  refreshing: boolean;
  /** Rooms added by a link while a lookup was in flight: the lookup may have read before that commit. */
  addedDuringLookup: string[];
  /** Emits of one action run one after another, in the order the engine announced them. */
  tail: Promise<void>;
  /** Whether the first room lookup is done, and how many emits wait behind it. */
  ready: boolean;
  queued: number;
}

const AUDIENCE_REFRESH_MS = 1_000;

/** The events this gateway answers (SPEC §7.2). */
const CLIENT_EVENTS = new Set([
  'thread:subscribe',
  'thread:unsubscribe',
  'chat:subscribe',
  'chat:unsubscribe',
  'action:run',
  'action:cancel',
]);

/**
 * The only code that touches the Socket.IO server. Authenticates the
 * handshake with the same service as HTTP, joins only rooms it has checked,
 * and forwards the engine's and threads' domain events to rooms.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly audiences = new Map<string, Audience>();

  @WebSocketServer()
  server: IoServer;

  constructor(
    private readonly authentication: AuthenticationService,
    private readonly threads: ThreadsService,
    private readonly actions: ActionsService,
    @Inject(ChatRoomAccess) private readonly chatRooms: ChatRoomAccess,
    private readonly relay: ActionStreamRelay,
  ) {}

  afterInit(server: IoServer): void {
    this.relay.onRemote((message) => this.emitLocally(message));
    server.use((socket, next) => {
      this.authenticate(socket).then(
        (user) => {
          socket.data.user = user;
          next();
        },
        () => next(new Error('unauthorized')),
      );
    });
  }

  /** Rooms naming the credential behind the connection, so revoking it can close the socket. */
  async handleConnection(socket: IoSocket): Promise<void> {
    const user = socket.data.user;
    const rooms = [userRoom(user.id)];
    if (user.sessionId) rooms.push(sessionRoom(user.sessionId));
    if (user.tokenId) rooms.push(tokenRoom(user.tokenId));
    await socket.join(rooms);
    // Every client event is acknowledged, an unknown one too (a client would otherwise wait for its timeout).
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (!CLIENT_EVENTS.has(event) && typeof ack === 'function') {
        (ack as (answer: Ack) => void)({
          ok: false,
          error: { status: 404, title: 'Not Found', detail: `Unknown event: ${event.slice(0, 100)}` },
        });
      }
    });
  }

  /** A connection is authenticated once; when its credential dies, the connection goes too (on every instance). */
  @OnEvent(CREDENTIALS_REVOKED)
  onCredentialsRevoked(event: CredentialsRevokedEvent): void {
    const room =
      event.kind === 'session'
        ? sessionRoom(event.sessionId)
        : event.kind === 'token'
          ? tokenRoom(event.tokenId)
          : userRoom(event.userId);
    // Here at once, whatever Redis does: the Redis adapter closes even this instance's sockets
    // only when its own PUBLISH comes back, which never happens while Redis is unreachable.
    this.server.local.in(room).disconnectSockets(true);
    // Every other instance, through the adapter.
    this.server.in(room).disconnectSockets(true);
  }

  private async authenticate(socket: IoSocket): Promise<AuthUser> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new Error('no token');
    const user = await this.authentication.authenticateBearer(token);
    // A personal access token needs the read scope to listen at all.
    if (token.startsWith(PAT_PREFIX) && !user.scopes?.includes('read')) throw new Error('scope');
    return user;
  }

  @SubscribeMessage('thread:subscribe')
  subscribeThread(@ConnectedSocket() socket: IoSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const { threadId } = await this.payload(ThreadRoomDto, body);
      await this.threads.getOwned(socket.data.user.id, threadId);
      await socket.join(threadRoom(threadId));
      return {};
    });
  }

  @SubscribeMessage('thread:unsubscribe')
  unsubscribeThread(@ConnectedSocket() socket: IoSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const { threadId } = await this.payload(ThreadRoomDto, body);
      await this.threads.getOwned(socket.data.user.id, threadId);
      await socket.leave(threadRoom(threadId));
      return {};
    });
  }

  @SubscribeMessage('chat:subscribe')
  subscribeChat(@ConnectedSocket() socket: IoSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const { chatId } = await this.payload(ChatRoomDto, body);
      await this.chatRooms.assertCanJoin(socket.data.user.id, chatId);
      await socket.join(chatRoom(chatId));
      return {};
    });
  }

  @SubscribeMessage('chat:unsubscribe')
  unsubscribeChat(@ConnectedSocket() socket: IoSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const { chatId } = await this.payload(ChatRoomDto, body);
      await this.chatRooms.assertCanJoin(socket.data.user.id, chatId);
      await socket.leave(chatRoom(chatId));
      return {};
    });
  }

  @SubscribeMessage('action:run')
  runAction(
    @ConnectedSocket() socket: IoSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ action: ActionResponseDto }>> {
    return this.answer(async () => {
      this.requireWrite(socket.data.user);
      const { threadId, ...run } = await this.payload(SocketRunActionDto, body);
      return this.threads.runAction(socket.data.user, threadId, run);
    });
  }

  @SubscribeMessage('action:cancel')
  cancelAction(
    @ConnectedSocket() socket: IoSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ action: ActionResponseDto }>> {
    return this.answer(async () => {
      this.requireWrite(socket.data.user);
      const { actionId } = await this.payload(CancelActionDto, body);
      return { action: await this.actions.cancel(socket.data.user.id, actionId) };
    });
  }

  @OnEvent(THREAD_ACTION_ADDED)
  onThreadActionAdded(event: ThreadActionAddedEvent): void {
    const room = threadRoom(event.threadId);
    this.server.to(room).emit('action:created', { threadId: event.threadId, action: event.action });
    // Linked while streaming: the rest of its chunks go to this thread too.
    const audience = this.audiences.get(event.action.id);
    if (audience && !audience.rooms.includes(room)) {
      audience.rooms = [...audience.rooms, room];
      if (audience.refreshing) audience.addedDuringLookup.push(room);
    }
  }

  /**
   * Chunks do not go through the Socket.IO Redis adapter (one PUBLISH per
   * emitted chunk): this instance emits to its own sockets, and the relay
   * carries the whole batch to the other instances in one message.
   */
  @OnEvent(ACTION_CHUNKS)
  onActionChunks(event: ActionChunksEvent): void {
    const audience = this.audienceOf(event.actionId);
    this.inOrder(audience, () => {
      if (audience.rooms.length === 0) return;
      this.stream({ kind: 'chunks', actionId: event.actionId, rooms: audience.rooms, chunks: event.chunks });
    });
  }

  /** On the same path as the chunks, so it reaches every instance after the last one. */
  @OnEvent(ACTION_COMPLETED)
  onActionCompleted(event: ActionCompletedEvent): void {
    const audience = this.audienceOf(event.actionId);
    this.inOrder(audience, () => {
      this.audiences.delete(event.actionId);
      if (audience.rooms.length === 0) return;
      const completed: ActionCompletedPayload = {
        actionId: event.actionId,
        status: event.status,
        completedAt: event.completedAt.toISOString(),
      };
      this.stream({ kind: 'completed', rooms: audience.rooms, completed });
    });
  }

  @OnEvent(CHAT_DELTA)
  onChatDelta(event: ChatDeltaPayload): void {
    this.server.to(chatRoom(event.chatId)).emit('chat:delta', event);
  }

  @OnEvent(CHAT_COMPLETED)
  onChatCompleted(event: ChatCompletedPayload): void {
    this.server.to(chatRoom(event.chatId)).emit('chat:completed', event);
  }

  /** Emits to this instance's sockets and relays to the other instances (in that order, synchronously). */
  private stream(message: RelayMessage): void {
    this.emitLocally(message);
    if (this.relay.enabled) this.relay.publish(message);
  }

  /** Emits to the sockets of this instance only; `local` keeps the Redis adapter out of it. */
  private emitLocally(message: RelayMessage): void {
    const to = this.server.local.to(message.rooms);
    if (message.kind === 'completed') {
      to.emit('action:completed', message.completed);
      return;
    }
    for (const c of message.chunks) {
      const payload: ActionChunkPayload = { actionId: message.actionId, order: c.order, mime: c.mime };
      if (c.text !== undefined) payload.text = c.text;
      if (c.data !== undefined) payload.data = c.data;
      to.emit('action:chunk', payload);
    }
  }

  /**
   * Runs an emit after those queued before it. Only the first batch of an
   * action waits (for the room lookup); after that emits run at once.
   */
  private inOrder(audience: Audience, send: () => void): void {
    if (audience.queued === 0 && audience.ready) {
      send();
      return;
    }
    audience.queued++;
    audience.tail = audience.tail.then(() => {
      audience.queued--;
      send();
    });
  }

  /** The action's audience; the first chunk waits for the lookup, later ones refresh it in the background. */
  private audienceOf(actionId: string): Audience {
    const audience = this.audiences.get(actionId);
    if (!audience) {
      const created: Audience = {
        rooms: [],
        refreshedAt: Date.now(),
        refreshing: true,
        addedDuringLookup: [],
        tail: Promise.resolve(),
        ready: false,
        queued: 0,
      };
      created.tail = this.lookupRooms(actionId).then((rooms) => {
        this.settleLookup(created, rooms);
        created.ready = true;
      });
      this.audiences.set(actionId, created);
      return created;
    }
    if (!audience.refreshing && Date.now() - audience.refreshedAt > AUDIENCE_REFRESH_MS) {
      const current = audience;
      current.refreshing = true;
      current.refreshedAt = Date.now();
      void this.lookupRooms(actionId).then((rooms) => this.settleLookup(current, rooms));
    }
    return audience;
  }

  private settleLookup(audience: Audience, rooms: string[]): void {
    audience.rooms = [...new Set([...rooms, ...audience.addedDuringLookup])];
    audience.addedDuringLookup = [];
    audience.refreshing = false;
  }

  private async lookupRooms(actionId: string): Promise<string[]> {
    try {
      return (await this.threads.audienceOf(actionId)).map(threadRoom);
    } catch (err) {
      this.logger.warn({
        msg: 'could not look up the threads of an action',
        actionId,
        err: err instanceof Error ? err.message : String(err),
      });
      return this.audiences.get(actionId)?.rooms ?? [];
    }
  }

  private requireWrite(user: AuthUser): void {
    if (user.scopes && !user.scopes.includes('write')) throw forbidden('This token lacks the "write" scope');
  }

  private async payload<T extends object>(cls: new () => T, body: unknown): Promise<T> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw validationProblem([{ field: 'payload', message: 'payload must be an object' }]);
    }
    return validateDto(cls, body);
  }

  /** Runs one client event and turns its outcome into the acknowledgement; never lets an error escape. */
  private async answer<T extends object>(work: () => Promise<T>): Promise<Ack<T>> {
    try {
      return { ok: true, ...(await work()) };
    } catch (err) {
      return { ok: false, error: this.toAckError(err) };
    }
  }

  private toAckError(err: unknown): AckError {
    if (err instanceof ProblemException) {
      const error: AckError = { status: err.getStatus(), title: err.title };
      if (err.problem.detail) error.detail = err.problem.detail;
      if (err.problem.errors) error.errors = err.problem.errors;
      return error;
    }
    if (err instanceof HttpException && err.getStatus() < 500) {
      return { status: err.getStatus(), title: titleFor(err.getStatus()), detail: err.message };
    }
    this.logger.error({
      msg: 'unhandled error in a socket event',
      err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
    });
    // An unreachable database is an outage the client can wait out, as over HTTP.
    if (isDependencyUnavailable(err)) return { status: 503, title: titleFor(503) };
    return { status: 500, title: 'Internal Server Error' };
  }
}
