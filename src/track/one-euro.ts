// The One Euro filter (Casiez, Roussel, Vogel: "1€ Filter: A Simple Speed-based Low-pass Filter for
// Noisy Input in Interactive Systems", CHI 2012): a first-order low-pass filter whose cutoff rises
// with the signal's speed, so a still keypoint is smoothed hard (jitter gone) and a moving one
// follows with little lag. Pure and browser-safe.
//
//   alpha(fc, dt) = 1 / (1 + tau / dt), tau = 1 / (2 pi fc)
//   dx^  = lowpass((x - x^_prev) / dt, alpha(derivativeCutoff))
//   fc   = minCutoff + beta * |dx^|
//   x^   = lowpass(x, alpha(fc))
//
// As MediaPipe's OneEuroFilter does, the speed may be divided by an object scale (the person's
// size in pixels): the parameters then mean the same for a person 50 or 500 pixels tall, and
// `beta` is in Hz per (person sizes per second).
import { InputError } from '../nn/errors.js';
import type { BoundingBox, Keypoint } from '../decode/pose.js';

export interface OneEuroParams {
  /** Hz: the cutoff of a still signal; lower is smoother and laggier at rest. */
  minCutoff: number;
  /** How fast the cutoff rises with speed (Hz per unit/s of the scaled value); higher is less lag when moving. */
  beta: number;
  /** Hz: the cutoff of the speed estimate. */
  derivativeCutoff: number;
}

/**
 * Defaults for keypoints in person-size units at video frame rates: a still person's keypoints
 * are smoothed to a 1 Hz cutoff (frame-to-frame jitter cut about 4x at 30 fps); a person moving
 * at a quarter of their size per second gets a 1 + 40 x 0.25 = 11 Hz cutoff, under half a frame
 * of lag at 30 fps. test/video.test.ts proves both on real clips.
 */
export const DEFAULT_ONE_EURO: OneEuroParams = { minCutoff: 1, beta: 40, derivativeCutoff: 1 };

export function checkOneEuroParams(params: OneEuroParams): void {
  for (const key of ['minCutoff', 'beta', 'derivativeCutoff'] as const) {
    const v = params[key];
    if (!Number.isFinite(v) || v < 0 || (key !== 'beta' && v === 0)) {
      throw new InputError(`One Euro ${key} must be a finite number ${key === 'beta' ? '>= 0' : '> 0'}, got ${v}`);
    }
  }
}

function smoothingFactor(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/** One scalar signal. Timestamps in seconds, increasing. */
export class OneEuroFilter {
  private x: number | undefined;
  private dx = 0;
  private t = 0;

  constructor(private readonly params: OneEuroParams = DEFAULT_ONE_EURO) {
    checkOneEuroParams(params);
  }

  /**
   * The filtered value of `value` at `timestamp`. `scale` divides the speed only (MediaPipe's
   * value scale): the cutoff follows speed in units of `scale` per second, while the value itself
   * is filtered as it is, so a scale that changes from frame to frame never moves the output.
   */
  filter(value: number, timestamp: number, scale = 1): number {
    if (this.x === undefined) {
      this.x = value;
      this.t = timestamp;
      return value;
    }
    const dt = timestamp - this.t;
    // A repeated or out-of-order timestamp carries no new time: keep the last output.
    if (!(dt > 0)) return this.x;
    const speed = (value - this.x) / dt / scale;
    this.dx += smoothingFactor(this.params.derivativeCutoff, dt) * (speed - this.dx);
    const cutoff = this.params.minCutoff + this.params.beta * Math.abs(this.dx);
    this.x += smoothingFactor(cutoff, dt) * (value - this.x);
    this.t = timestamp;
    return this.x;
  }

  reset(): void {
    this.x = undefined;
    this.dx = 0;
  }
}

/** The size a person's coordinates are measured on: the mean of its box's sides (at least a pixel). */
export function objectScale(box: Pick<BoundingBox, 'width' | 'height'>): number {
  return Math.max(1, (box.width + box.height) / 2);
}

/**
 * Every keypoint of one person: x and y each through their own One Euro filter, on the scale of
 * the person's box. Scores pass through. A keypoint the network did not find (score 0) is passed
 * as it is and its filters start over when it is found again, so it never glides in from where
 * it was last seen.
 */
export class KeypointsSmoother {
  private filters: OneEuroFilter[][] = [];

  constructor(private readonly params: OneEuroParams = DEFAULT_ONE_EURO) {
    checkOneEuroParams(params);
  }

  /** `timestamp` in milliseconds; `scale` the person's size in pixels (objectScale). */
  apply(keypoints: readonly Keypoint[], timestamp: number, scale: number): Keypoint[] {
    const seconds = timestamp / 1000;
    return keypoints.map((k, i) => {
      const pair = (this.filters[i] ??= [new OneEuroFilter(this.params), new OneEuroFilter(this.params)]);
      if (!(k.score > 0) || !Number.isFinite(k.x) || !Number.isFinite(k.y)) {
        pair[0]!.reset();
        pair[1]!.reset();
        return { ...k };
      }
      return { ...k, x: pair[0]!.filter(k.x, seconds, scale), y: pair[1]!.filter(k.y, seconds, scale) };
    });
  }
}

/**
 * A person box smoothed as centre and size, each through a One Euro filter on the box's own
 * scale: velocity-aware, so a box that moves keeps up with it and a box that jitters in place
 * settles.
 */
export class BoxSmoother {
  private readonly filters = [0, 1, 2, 3].map(() => new OneEuroFilter(this.params));

  constructor(private readonly params: OneEuroParams = DEFAULT_ONE_EURO) {
    checkOneEuroParams(params);
  }

  /** `timestamp` in milliseconds. */
  apply(box: BoundingBox, timestamp: number): BoundingBox {
    const seconds = timestamp / 1000;
    const scale = objectScale(box);
    const [fx, fy, fw, fh] = this.filters as [OneEuroFilter, OneEuroFilter, OneEuroFilter, OneEuroFilter];
    const cx = fx.filter((box.xMin + box.xMax) / 2, seconds, scale);
    const cy = fy.filter((box.yMin + box.yMax) / 2, seconds, scale);
    const width = Math.max(0, fw.filter(box.width, seconds, scale));
    const height = Math.max(0, fh.filter(box.height, seconds, scale));
    return { xMin: cx - width / 2, yMin: cy - height / 2, xMax: cx + width / 2, yMax: cy + height / 2, width, height };
  }
}
