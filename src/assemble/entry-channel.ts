// Hands the build's entries straight to a format that can take them (OutputFormat.writeEntries),
// instead of encoding a tar stream that the format then parses again: for kernel+initrd that
// round trip (then tar-stream pack + extract, a stream hop per 512-byte header) was about a fifth
// of the build's CPU time. The consumer sees what it would have read back from the tar: the same
// names, header fields and PAX records (src/tar's readBack), so the outputs are byte-identical.
//
// Backpressure: the producer (TarSink.add) waits while more than BODY_AHEAD bytes of a body are
// queued, and until the consumer is done with an entry before starting the next, so at most one
// entry's BODY_AHEAD bytes are held per consumer.
import { recordName, type ReadHeader, type TarRecord } from '../tar/index.js';

/** Bytes of a body that may wait for a slow consumer. */
const BODY_AHEAD = 1024 * 1024;

class Body implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  /** The consumer has been handed this entry. */
  private taken = false;
  /** The consumer gave up on this body (skipped it or moved on): chunks are dropped. */
  private dropped = false;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;
  private finishedResolve!: () => void;
  /** Resolves when the consumer has taken every chunk, or dropped the body. */
  readonly finished = new Promise<void>((r) => (this.finishedResolve = r));

  /** Producer: queues a chunk; resolves when there is room for more. */
  async put(chunk: Buffer): Promise<void> {
    if (this.dropped) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.wake('consumer');
    while (this.queued > BODY_AHEAD && !this.dropped) await new Promise<void>((r) => (this.wakeProducer = r));
  }

  /** Producer: no more chunks. */
  end(): void {
    this.ended = true;
    this.wake('consumer');
    if (this.taken && this.queue.length === 0) this.finishedResolve();
  }

  /** Channel: the consumer has been handed the entry. */
  take(): void {
    this.taken = true;
    if (this.ended && this.queue.length === 0) this.finishedResolve();
  }

  /** Producer: the stream broke in the middle of this body; the consumer sees `err`. */
  fail(err: Error): void {
    this.error = err;
    this.drop();
  }

  private error?: Error;

  /** Consumer (or channel): discard the rest. */
  drop(): void {
    this.dropped = true;
    this.queue.length = 0;
    this.queued = 0;
    this.wake('producer');
    this.wake('consumer');
    this.finishedResolve();
  }

  private wake(who: 'consumer' | 'producer'): void {
    const f = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    f?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.error) throw this.error;
        const chunk = this.queue.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.queued <= BODY_AHEAD) this.wake('producer');
          yield chunk;
          continue;
        }
        if (this.ended || this.dropped) {
          this.finishedResolve();
          return;
        }
        await new Promise<void>((r) => (this.wakeConsumer = r));
      }
    } finally {
      // A consumer that stops reading early releases the producer.
      if (!this.ended || this.queue.length > 0) this.drop();
    }
  }
}

/** One consumer's view: an ordered stream of records, as readRecords (src/tar/records.ts) gives. */
export class EntryChannel {
  private readonly entries: Array<{ entry: TarRecord; body: Body }> = [];
  /** The body the consumer holds, if any. */
  private current?: Body;
  private done = false;
  private error?: Error;
  private wake?: () => void;
  /** Set when the consumer stopped before the end (it failed): the build must stop too. */
  closedEarly = false;

  /** Producer: offers one entry; returns its body to feed (put/end). */
  offer(header: ReadHeader): Body {
    const body = new Body();
    const entry: TarRecord = {
      name: recordName(header.name),
      header,
      body,
      skip: async () => body.drop(),
    };
    this.entries.push({ entry, body });
    this.poke();
    return body;
  }

  /** Producer: the stream is complete. */
  finish(): void {
    this.done = true;
    this.poke();
  }

  /** Producer: the stream is broken; the consumer sees `err`. */
  abort(err: Error): void {
    this.error = err;
    for (const { body } of this.entries) body.drop();
    this.current?.fail(err);
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *read(): AsyncGenerator<TarRecord> {
    let complete = false;
    try {
      for (;;) {
        if (this.error) throw this.error;
        const next = this.entries.shift();
        if (next) {
          this.current = next.body;
          next.body.take();
          yield next.entry;
          // Whatever the consumer left unread is dropped, as readRecords drains it.
          next.body.drop();
          this.current = undefined;
          continue;
        }
        if (this.done) {
          complete = true;
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      if (!complete) {
        this.closedEarly = true;
        this.current?.drop();
        for (const { body } of this.entries) body.drop();
      }
    }
  }
}

export type { Body as EntryBodyChannel };
