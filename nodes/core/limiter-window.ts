/**
 * The sliding window a fixed budget is held in: a job may start only when fewer than `max` jobs
 * ran within the last `windowMs`, at any moment, not only in windows aligned to a timer. A job
 * counts from its start until `windowMs` after it ended, so the server's own windows, counted on
 * arrival, hold the budget too.
 */

/**
 * End times of the jobs of the last `windowMs`, oldest first, in a ring that grows when needed:
 * O(1) per job however large `max` is (a budget of 10^9 keeps only the ends of one window).
 */
class StartLog {
  private buf: number[] = new Array<number>(16);
  private head = 0;
  size = 0;

  oldest(): number {
    return this.buf[this.head];
  }

  dropOldest(): void {
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size -= 1;
  }

  push(t: number): void {
    if (this.size === this.buf.length) {
      const grown = new Array<number>(this.buf.length * 2);
      for (let i = 0; i < this.size; i++) grown[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
      this.buf = grown;
      this.head = 0;
    }
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = t;
    this.size += 1;
  }
}

/**
 * Jobs running and jobs ended within the last `windowMs`: a job may start only when fewer than
 * `max` of them are, i.e. in every sliding window, not only in windows aligned to our timer.
 * A fixed window alone lets up to 2 x max through around a window boundary (max just before it,
 * max just after), which at the FedEx token endpoint means a 10-minute lockout.
 */
export class SlidingWindow {
  private readonly starts = new StartLog();
  /** Jobs begun and not ended: each counts in every window until it ends. */
  private open = 0;
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /**
   * 0 when a job may start at `t`, else ms until the oldest entry leaves the window; Infinity when
   * every slot is held by a job still running (the next end() frees one).
   */
  waitAt(t: number): number {
    const starts = this.starts;
    while (starts.size > 0 && starts.oldest() <= t - this.windowMs) starts.dropOldest();
    if (starts.size + this.open < this.max) return 0;
    return starts.size > 0 ? starts.oldest() + this.windowMs - t : Infinity;
  }

  /**
   * A job holds its slot from begin() until `windowMs` after end(). The server counts
   * a request when it arrives, somewhere between our start and the answer; counting from the
   * start alone lets a request delayed on its way (a busy event loop, a slow network) land in the
   * same server window as one started `windowMs` after it: a 429 we paced for. Counting until
   * the answer is in keeps every server-side window within the budget, whatever the delays, at
   * the cost of one latency per window (0.3 s of FedEx's 10 s).
   */
  begin(): void {
    this.open += 1;
  }

  end(t: number): void {
    this.open -= 1;
    this.starts.push(t);
  }
}
