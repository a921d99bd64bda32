// Post-training static quantization, the calibration side: the float model runs on calibration
// photos through the model's own estimator (so each photo is preprocessed exactly as `estimate`
// preprocesses it: crop or letterbox, size, colour order, mean and scale), and the range of every
// value quantizeModel will quantize is recorded:
//   minmax       the smallest and largest value seen over all photos
//   percentile   the p-th and (100 - p)-th percentiles of a sample of each value's elements over
//                all photos (up to SAMPLE_PER_RUN elements a run, evenly strided): outliers then
//                cost no resolution to the other values
// and, for values observed with their NCHW shape, the mean of each channel over all photos: the
// quantizer corrects each Conv's bias by the shift its rounded weights give on inputs of that mean
// (bias correction, Nagel et al. 2019).
import type { Model } from '../nn/graph.js';
import { Session } from '../nn/session.js';
import { PoseEstimator } from '../pipeline/estimator.js';
import type { NetworkSpec } from '../pipeline/network-spec.js';
import type { InferenceRunner, RunnerOutput } from '../pipeline/runner.js';
import type { RgbImage } from '../image/image.js';
import { InputError } from '../nn/errors.js';
import { calibrationValues, type ValueRange } from './qdq.js';

export type RangeMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

const SAMPLE_PER_RUN = 16384;

/** Accumulates the range of each value over calibration runs. */
export class RangeCollector {
  private readonly extremes = new Map<string, ValueRange>();
  private readonly samples = new Map<string, number[]>();
  private readonly channelSums = new Map<string, { sums: Float64Array; runs: number }>();

  constructor(readonly method: RangeMethod) {
    if (method.kind === 'percentile' && !(method.percentile > 50 && method.percentile <= 100)) {
      throw new InputError(`the percentile must be in (50, 100], got ${method.percentile}`);
    }
  }

  /** Records one run's value; with its NCHW `shape` (batch 1), also its channel means. */
  observe(name: string, data: ArrayLike<number>, shape?: readonly number[]): void {
    if (shape !== undefined && shape.length === 4 && shape[0] === 1) this.observeChannels(name, data, shape[1]!);
    if (this.method.kind === 'minmax') {
      let { min, max } = this.extremes.get(name) ?? { min: Infinity, max: -Infinity };
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      this.extremes.set(name, { min, max });
      return;
    }
    const sample = this.samples.get(name) ?? [];
    const stride = Math.max(1, Math.floor(data.length / SAMPLE_PER_RUN));
    for (let i = 0; i < data.length; i += stride) sample.push(data[i]!);
    this.samples.set(name, sample);
  }

  private observeChannels(name: string, data: ArrayLike<number>, channels: number): void {
    const plane = data.length / channels;
    const seen = this.channelSums.get(name) ?? { sums: new Float64Array(channels), runs: 0 };
    if (seen.sums.length !== channels || !Number.isInteger(plane)) return;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let i = c * plane; i < (c + 1) * plane; i++) sum += data[i]!;
      seen.sums[c]! += sum / plane;
    }
    seen.runs++;
    this.channelSums.set(name, seen);
  }

  ranges(): Map<string, ValueRange> {
    const ranges = new Map<string, ValueRange>();
    if (this.method.kind === 'minmax') {
      for (const [name, range] of this.extremes) ranges.set(name, { ...range });
    } else {
      const p = this.method.percentile / 100;
      for (const [name, sample] of this.samples) {
        const sorted = Float64Array.from(sample).sort();
        const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
        ranges.set(name, { min: at(1 - p), max: at(p) });
      }
    }
    for (const [name, { sums, runs }] of this.channelSums) {
      const range = ranges.get(name);
      if (range !== undefined) range.channelMeans = Float32Array.from(sums, (s) => s / runs);
    }
    return ranges;
  }
}

/** A runner over a float session that also records the values calibration needs. */
function recordingRunner(session: Session, values: readonly string[], collector: RangeCollector): InferenceRunner {
  return {
    run: (feeds) => {
      const out = session.run(feeds, { keep: values });
      const results: Record<string, RunnerOutput> = {};
      for (const [name, t] of Object.entries(out)) {
        if (values.includes(name)) collector.observe(name, t.data, t.shape);
        if (session.outputs.some((o) => o.name === name)) results[name] = { shape: t.shape, data: t.data };
      }
      return results;
    },
    dispose: () => session.dispose(),
  };
}

export interface CalibrateOptions {
  method?: RangeMethod;
  threads?: number;
  /** Called after each photo (progress). */
  onImage?: (done: number, total: number) => void;
}

/** The shape of one preprocessed photo as `spec`'s network takes it. */
export function networkInputShape(spec: NetworkSpec): number[] {
  const { width, height } = spec.input;
  return spec.layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
}

/** Runs `model` (float) on the photos through `spec`'s preprocessing and returns the ranges quantizeModel needs. */
export async function calibrate(model: Model, spec: NetworkSpec, images: readonly (() => RgbImage)[], options: CalibrateOptions = {}): Promise<Map<string, ValueRange>> {
  if (images.length === 0) throw new InputError('calibration needs at least one photo');
  const values = calibrationValues(model.graph);
  const collector = new RangeCollector(options.method ?? { kind: 'minmax' });
  const shape = networkInputShape(spec);
  // No graph optimizations: every value quantizeModel names must still exist (not fused away).
  const session = await Session.create(model, { optimize: false, threads: options.threads ?? 1, inputShapes: { [spec.inputName]: shape } });
  const estimator = PoseEstimator.fromRunner(spec, recordingRunner(session, values, collector));
  try {
    for (let i = 0; i < images.length; i++) {
      await estimator.estimate(images[i]!());
      options.onImage?.(i + 1, images.length);
    }
  } finally {
    estimator.dispose();
  }
  const ranges = collector.ranges();
  const missing = values.filter((v) => !ranges.has(v));
  if (missing.length > 0) throw new InputError(`calibration recorded no values for ${missing.slice(0, 5).join(', ')}`);
  return ranges;
}
