// When a core is busy with other work, the OS deschedules a thread for milliseconds at a time,
// and every call of a run waits for it: two threads can then be slower than the main thread
// alone. The gate decides, window by window, which of the two the next calls get.
//
// It keeps each call's time alone (from the stretches run alone) and compares a window of
// threaded calls with the same calls alone. Before it has those times, it falls back on the
// workers' share of waiting: past WAIT_FRACTION of the main thread's own work, the next stretch
// runs alone, which also measures the calls alone. That first test alone would misjudge small
// calls, where a wake-up (~50 µs on this VM) is a large part of a call the threads still speed up.
// A losing window doubles the next stretch, up to MAX_SOLO_CALLS, so a core busy for long costs
// fewer slow windows; a winning one starts over at SOLO_CALLS.

const PROBE_CALLS = 64;
const SOLO_CALLS = 512;
const MAX_SOLO_CALLS = 8192;
const WAIT_FRACTION = 0.3;

export class SoloGate {
  /** Each call's last time on the main thread alone, in ms; NaN before it has run alone. */
  private readonly aloneMs: Float64Array;
  private soloCalls = 0;
  private nextSoloCalls = SOLO_CALLS;
  /** The window's sums: all threaded calls, and those whose time alone is known. */
  private probed = 0;
  private ownMs = 0;
  private waitMs = 0;
  private knownCalls = 0;
  private knownThreadedMs = 0;
  private knownAloneMs = 0;

  constructor(calls: number) {
    this.aloneMs = new Float64Array(calls).fill(Number.NaN);
  }

  /** Whether the next call runs on the main thread alone (and counts it against the stretch). */
  runsAlone(): boolean {
    if (this.soloCalls === 0) return false;
    this.soloCalls--;
    return true;
  }

  /** Call `index` ran alone in `ms`. */
  recordAlone(index: number, ms: number): void {
    this.aloneMs[index] = ms;
  }

  /** Call `index` ran on all threads: `ownMs` on the main thread's chunks, then `waitMs` for the workers'. */
  recordThreaded(index: number, ownMs: number, waitMs: number): void {
    this.ownMs += ownMs;
    this.waitMs += waitMs;
    const alone = this.aloneMs[index]!;
    if (!Number.isNaN(alone)) {
      this.knownCalls++;
      this.knownThreadedMs += ownMs + waitMs;
      this.knownAloneMs += alone;
    }
    if (++this.probed < PROBE_CALLS) return;
    const slower = this.knownCalls >= PROBE_CALLS / 2 ? this.knownThreadedMs > this.knownAloneMs : this.waitMs > WAIT_FRACTION * this.ownMs;
    if (slower) {
      this.soloCalls = this.nextSoloCalls;
      this.nextSoloCalls = Math.min(2 * this.nextSoloCalls, MAX_SOLO_CALLS);
    } else {
      this.nextSoloCalls = SOLO_CALLS;
    }
    this.probed = 0;
    this.ownMs = 0;
    this.waitMs = 0;
    this.knownCalls = 0;
    this.knownThreadedMs = 0;
    this.knownAloneMs = 0;
  }
}
