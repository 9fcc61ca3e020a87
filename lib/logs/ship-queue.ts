/*
 * The shipper's buffer (lib/logs/shipper.ts): a ring of at most `max` documents per queue, the
 * oldest dropped and counted when full. A batch being written counts against the bound.
 */

export interface QueueStats {
  /** Waiting, including a batch being written. */
  buffered: number;
  shipped: number;
  /** Dropped, oldest first, because the buffer was full. */
  dropped: number;
  /** Refused by the store for good (their reason went to stdout). */
  rejected: number;
}

/** A ring of at most `max` documents, counting a batch in flight against the bound. */
export class Queue<D> {
  private readonly ring: (D | undefined)[];
  private head = 0;
  private size = 0;
  private inFlight = 0;
  readonly counts = { shipped: 0, dropped: 0, rejected: 0 };

  constructor(private readonly max: number) {
    this.ring = new Array<D | undefined>(max);
  }

  get buffered(): number {
    return this.size + this.inFlight;
  }

  get waiting(): number {
    return this.size;
  }

  /** Adds the newest document; returns whether one was dropped to make room. */
  push(doc: D): boolean {
    let dropped = false;
    if (this.size + this.inFlight >= this.max) {
      dropped = true;
      this.counts.dropped += 1;
      // Everything held is being written: the newest gives way (only when batch = buffer size).
      if (this.size === 0) return true;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
      this.size -= 1;
    }
    this.ring[(this.head + this.size) % this.max] = doc;
    this.size += 1;
    return dropped;
  }

  /** The oldest `n`, now in flight until settle() or putBack(). */
  take(n: number): D[] {
    const k = Math.min(n, this.size);
    const out = new Array<D>(k);
    for (let i = 0; i < k; i += 1) {
      out[i] = this.ring[this.head] as D;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
    }
    this.size -= k;
    this.inFlight = k;
    return out;
  }

  settle(): void {
    this.inFlight = 0;
  }

  /** A batch that could not be written goes back in front; returns how many of its oldest no longer fit. */
  putBack(batch: D[]): number {
    this.inFlight = 0;
    const lost = Math.max(0, batch.length - (this.max - this.size));
    for (let i = batch.length - 1; i >= lost; i -= 1) {
      this.head = (this.head - 1 + this.max) % this.max;
      this.ring[this.head] = batch[i];
      this.size += 1;
    }
    this.counts.dropped += lost;
    return lost;
  }

  stats(): QueueStats {
    return { buffered: this.buffered, ...this.counts };
  }
}

