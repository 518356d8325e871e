import type { ActionChunkInput } from '../handlers/action-handler';
import type { NewChunk } from '../action-chunks.repository';

export interface ChunkBatchWriterOptions {
  /** Stores one batch (one INSERT); batches are stored one after another, in order. */
  persist: (chunks: NewChunk[]) => Promise<void>;
  /** Called once a batch is stored, before the next batch is stored. */
  onPersisted: (chunks: NewChunk[]) => void;
  /** A batch is written when it holds this many chunks … */
  maxBatch: number;
  /** … or when its first chunk has waited this long. */
  flushAfterMs: number;
}

/**
 * Numbers an action's chunks 0, 1, 2 … and stores them in batches instead of
 * one INSERT per chunk. One batch is written at a time, in order, so the
 * table never has a gap a later chunk would skip over. While a batch is
 * being written the next one grows (batches adapt to the database's pace);
 * `push` makes the producer wait only when a full batch is waiting behind
 * the one being written (back-pressure).
 */
export class ChunkBatchWriter {
  private buffer: NewChunk[] = [];
  private nextOrder = 0;
  private persisted = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;

  constructor(private readonly options: ChunkBatchWriterOptions) {}

  /** How many chunks are stored: the order the next stored chunk must take after a failure. */
  get persistedCount(): number {
    return this.persisted;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  async push(chunk: ActionChunkInput): Promise<void> {
    if (this.failure) throw this.failure;
    this.buffer.push({
      order: this.nextOrder++,
      mime: chunk.mime,
      text: chunk.text ?? null,
      data: chunk.data ?? null,
    });
    if (this.buffer.length >= this.options.maxBatch) {
      // Wait for the batch being written; its completion starts writing this one.
      if (this.inFlight) await this.inFlight;
      else this.writeNext();
      if (this.failure) throw this.failure;
    } else if (!this.timer && !this.inFlight) {
      this.timer = setTimeout(() => this.writeNext(), this.options.flushAfterMs);
    }
  }

  /** Starts writing what is buffered, unless a batch is being written (it follows that one). */
  private writeNext(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight || this.buffer.length === 0 || this.failure) return;
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight = this.options.persist(batch).then(
      () => {
        this.persisted += batch.length;
        this.inFlight = null;
        this.options.onPersisted(batch);
        // What arrived meanwhile has waited long enough: write it now.
        this.writeNext();
      },
      (err: unknown) => {
        this.failure = err;
        this.inFlight = null;
      },
    );
  }

  /** Writes the rest; throws if any batch could not be stored. */
  async close(): Promise<void> {
    for (;;) {
      while (this.inFlight) await this.inFlight;
      if (this.failure) throw this.failure;
      if (this.buffer.length === 0) return;
      this.writeNext();
    }
  }

  /** After a failure: forget what was not stored, so the next chunk takes the next free order. */
  resetAfterFailure(): void {
    this.buffer = [];
    this.nextOrder = this.persisted;
    this.failure = null;
  }
}
