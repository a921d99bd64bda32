// OpenPose network outputs painted by hand: Gaussian heatmap blobs at chosen keypoints and PAF
// vector fields along the limbs, laid out on the stride-8 grid the way Lightweight OpenPose's
// training targets are (cell i is centred on input pixel 8i + 3.5). The decoder tests use them,
// and explain's figures of the PAF algorithm where no trained PAF network is at hand.
import { OPENPOSE_LIMBS, type GridSize } from '../decode/openpose.js';
import { attr, type Model } from '../nn/graph.js';
import { GraphEmitter } from '../nn/graph-emitter.js';
import { float32 } from '../nn/tensor.js';

/** 18 OpenPose keypoints in network-input pixels; null where the keypoint is absent. */
export type Skeleton = ([number, number] | null)[];

/** A front-facing standing person, neck at (x, y), about 260 * size pixels tall. */
const STANDING: [number, number][] = [
  [0, -30], [0, 0], [-30, 0], [-40, 45], [-45, 90], [30, 0], [40, 45], [45, 90], [-18, 100],
  [-20, 160], [-22, 220], [18, 100], [20, 160], [22, 220], [-8, -38], [8, -38], [-16, -34], [16, -34],
];

export function standingPerson(x: number, y: number, size = 1): Skeleton {
  return STANDING.map(([dx, dy]) => [x + dx * size, y + dy * size]);
}

/** The skeleton with the given keypoints removed, and those outside the input dropped. */
export function without(skeleton: Skeleton, missing: readonly number[], inputWidth = Infinity, inputHeight = Infinity): Skeleton {
  return skeleton.map((p, i) => {
    if (p === null || missing.includes(i)) return null;
    const [x, y] = p;
    return x < -0.5 || y < -0.5 || x > inputWidth - 0.5 || y > inputHeight - 0.5 ? null : p;
  });
}

export interface PaintOptions {
  stride?: number;
  /** Gaussian sigma, input pixels (Lightweight OpenPose trains with 7). */
  sigma?: number;
  /** Half width of a PAF limb, map cells (Lightweight OpenPose trains with 1). */
  pafHalfWidth?: number;
}

/**
 * Heatmaps (18 keypoints + background, max over people as in training) and PAFs (unit vectors
 * along each limb, averaged where limbs of several people overlap, as CMU OpenPose's targets).
 */
export function paintOpenPoseMaps(
  people: readonly Skeleton[],
  size: GridSize,
  options: PaintOptions = {},
): { heatmaps: Float32Array; pafs: Float32Array } {
  const stride = options.stride ?? 8;
  const sigma = options.sigma ?? 7;
  const halfWidth = options.pafHalfWidth ?? 1;
  const { height, width } = size;
  const plane = height * width;
  const heatmaps = new Float32Array(19 * plane);
  const pafs = new Float32Array(38 * plane);
  const centre = (cell: number): number => cell * stride + stride / 2 - 0.5;

  for (const person of people) {
    person.forEach((p, k) => {
      if (p === null) return;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const d2 = (centre(x) - p[0]) ** 2 + (centre(y) - p[1]) ** 2;
          const i = k * plane + y * width + x;
          heatmaps[i] = Math.max(heatmaps[i]!, Math.exp(-d2 / (2 * sigma * sigma)));
        }
      }
    });
  }
  for (let i = 0; i < plane; i++) {
    let max = 0;
    for (let k = 0; k < 18; k++) max = Math.max(max, heatmaps[k * plane + i]!);
    heatmaps[18 * plane + i] = 1 - max;
  }

  const counts = new Uint8Array(plane);
  for (const limb of OPENPOSE_LIMBS) {
    counts.fill(0);
    for (const person of people) {
      const a = person[limb.from]!, b = person[limb.to]!;
      if (a === null || b === null) continue;
      // In map cells, where cell i's centre is at i.
      const ax = (a[0] - stride / 2 + 0.5) / stride, ay = (a[1] - stride / 2 + 0.5) / stride;
      const bx = (b[0] - stride / 2 + 0.5) / stride, by = (b[1] - stride / 2 + 0.5) / stride;
      const length = Math.hypot(bx - ax, by - ay);
      if (length === 0) continue;
      const ux = (bx - ax) / length, uy = (by - ay) / length;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const along = (x - ax) * ux + (y - ay) * uy;
          const across = Math.abs((x - ax) * uy - (y - ay) * ux);
          if (along < -halfWidth || along > length + halfWidth || across > halfWidth) continue;
          const i = y * width + x;
          pafs[limb.pafX * plane + i]! += ux;
          pafs[limb.pafY * plane + i]! += uy;
          counts[i]!++;
        }
      }
    }
    for (let i = 0; i < plane; i++) {
      if (counts[i]! > 1) {
        pafs[limb.pafX * plane + i]! /= counts[i]!;
        pafs[limb.pafY * plane + i]! /= counts[i]!;
      }
    }
  }
  return { heatmaps, pafs };
}

/**
 * A stand-in network whose outputs are the given maps whatever the photo (each output is
 * 0 x the input's mean plus its map, so it runs through the engine like any network): explain
 * walks hand-painted maps through the same preprocessing, decoding and figures as real ones.
 */
export function paintedNetwork(inputName: string, inputShape: readonly number[], outputs: readonly { name: string; shape: readonly number[]; data: Float32Array }[]): Model {
  const emit = new GraphEmitter('painted');
  emit.input(inputName, 'float32', [...inputShape]);
  emit.initializer('zero', float32([1], [0]));
  emit.node('ReduceMean', 'mean', [inputName], ['mean'], { axes: attr.ints(inputShape.slice(1).map((_, i) => i + 1)), keepdims: attr.int(1) });
  emit.node('Mul', 'times0', ['mean', 'zero'], ['zeros']);
  for (const o of outputs) {
    emit.initializer(`${o.name}/painted`, float32([...o.shape], o.data));
    emit.node('Add', `${o.name}/add`, ['zeros', `${o.name}/painted`], [o.name]);
    emit.output(o.name);
  }
  return emit.model(13);
}
