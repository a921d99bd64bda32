// The spatial family's WASM kernels against their plain TypeScript references on odd shapes:
// channels 1, 3, 13, 64; widths 1, 7, 57; strides 1 and 2; dilations 1 and 2; attribute
// combinations sampled with a seeded RNG so the file stays fast.
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../src/nn/errors.js';
import { float32, int64, toFloat32, type DType, type Tensor } from '../src/nn/tensor.js';
import { emptyGraph, emptyModel, type Attr } from '../src/nn/graph.js';
import { Session } from '../src/nn/session.js';
import { expectEngineMatchesReference, randomTensor, runEngine, seededRandom, singleNodeModel } from './support/harness.js';

const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const int = (value: number): Attr => ({ kind: 'int', value });
const float = (value: number): Attr => ({ kind: 'float', value });
const str = (value: string): Attr => ({ kind: 'string', value });

/** Runs a one-node model with input X and constant initializers (in node input order) on both paths. */
async function check(op: string, x: Tensor, attrs: Record<string, Attr>, options: { initializers?: Record<string, Tensor>; opset?: number; extraInputs?: string[] } = {}): Promise<void> {
  const initializers = options.initializers ?? {};
  const inputs: { name: string; dtype: DType; shape: number[] }[] = [{ name: 'X', dtype: 'float32', shape: [...x.shape] }];
  for (const name of options.extraInputs ?? Object.keys(initializers)) {
    inputs.push({ name, dtype: initializers[name]?.dtype ?? 'float32', shape: [...(initializers[name]?.shape ?? [])] });
  }
  const model = singleNodeModel({ op, inputs, outputs: ['Y'], attrs, initializers, opset: options.opset });
  // '' marks an omitted optional input: a node input, never a graph input.
  model.graph.inputs = model.graph.inputs.filter((i) => i.name !== '');
  model.graph.name = `${op} ${JSON.stringify(x.shape)} ${JSON.stringify(Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, a.value])))}`;
  await expectEngineMatchesReference(model, { X: x });
}

function pick<T>(rng: () => number, values: readonly T[]): T {
  return values[Math.floor(rng() * values.length)]!;
}

const CHANNELS = [1, 3, 13, 64];
const WIDTHS = [1, 7, 57];

describe('pooling kernels', () => {
  it('MaxPool and AveragePool over sampled attribute combinations', async () => {
    const rng = seededRandom(11);
    let runs = 0;
    for (let trial = 0; trial < 60; trial++) {
      const op = trial % 2 === 0 ? 'MaxPool' : 'AveragePool';
      const c = pick(rng, CHANNELS);
      const w = pick(rng, WIDTHS);
      const h = pick(rng, [1, 5, 9]);
      const kh = pick(rng, [1, 2, 3]);
      const kw = pick(rng, [1, 2, 3, 5]);
      const stride = pick(rng, [1, 2, 3]);
      const dilation = pick(rng, [1, 2]);
      const autoPad = pick(rng, ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']);
      const attrs: Record<string, Attr> = { kernel_shape: ints([kh, kw]), strides: ints([stride, pick(rng, [1, 2])]), auto_pad: str(autoPad), ceil_mode: int(rng() < 0.5 ? 1 : 0) };
      if (autoPad === 'NOTSET') attrs['pads'] = ints([pick(rng, [0, 1]), pick(rng, [0, 1]), pick(rng, [0, 1, 2]), pick(rng, [0, 1])].map((p, i) => Math.min(p, (i % 2 === 0 ? kh : kw) - 1)));
      if (dilation > 1) attrs['dilations'] = ints([dilation, pick(rng, [1, 2])]);
      if (op === 'AveragePool') attrs['count_include_pad'] = int(rng() < 0.5 ? 1 : 0);
      const n = rng() < 0.2 ? 2 : 1;
      const x = randomTensor([n, c, h, w], rng);
      const span = (k: number, d: number) => (k - 1) * d + 1;
      const dils = attrs['dilations']?.value as number[] | undefined ?? [1, 1];
      const padsSum = autoPad === 'NOTSET' ? (attrs['pads']!.value as number[]) : [0, 0, 0, 0];
      if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER' && (h + padsSum[0]! + padsSum[2]! < span(kh, dils[0]!) || w + padsSum[1]! + padsSum[3]! < span(kw, dils[1]!))) continue;
      await check(op, x, attrs);
      runs++;
    }
    expect(runs).toBeGreaterThan(30);
  });

  it('fast paths: 3x3 stride 1 pad 1 and 2x2 stride 2 (with ceil_mode on odd sizes)', async () => {
    const rng = seededRandom(12);
    for (const [c, h, w] of [[13, 7, 57], [64, 9, 7], [3, 1, 1], [1, 8, 16]] as const) {
      const x = randomTensor([1, c, h, w], rng);
      await check('MaxPool', x, { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]) });
      await check('AveragePool', x, { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]) });
      for (const ceil of [0, 1]) {
        if (h < 2 && ceil === 0) continue;
        if (w < 2 && ceil === 0) continue;
        await check('MaxPool', x, { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(ceil) });
      }
    }
  });

  it('global pools', async () => {
    const rng = seededRandom(13);
    for (const c of CHANNELS) {
      for (const w of WIDTHS) {
        const x = randomTensor([2, c, 3, w], rng);
        await check('GlobalAveragePool', x, {});
        await check('GlobalMaxPool', x, {});
      }
    }
  });

  it('refuses MaxPool Indices', async () => {
    const model = singleNodeModel({ op: 'MaxPool', inputs: [{ name: 'X', dtype: 'float32', shape: [1, 1, 4, 4] }], outputs: ['Y', 'I'], attrs: { kernel_shape: ints([2, 2]) } });
    await expect(runEngine(model, { X: randomTensor([1, 1, 4, 4], seededRandom(1)) })).rejects.toThrow(UnsupportedOpError);
  });
});

describe('normalization kernels', () => {
  it('BatchNormalization (rank 4 and rank 2) and InstanceNormalization', async () => {
    const rng = seededRandom(21);
    for (const c of CHANNELS) {
      for (const w of WIDTHS) {
        const x = randomTensor([2, c, 3, w], rng, -3, 3);
        const params = (lo: number, hi: number) => randomTensor([c], rng, lo, hi);
        await check('BatchNormalization', x, { epsilon: float(1e-3) }, { initializers: { scale: params(0.5, 2), B: params(-1, 1), mean: params(-1, 1), var: params(0.1, 2) } });
        await check('InstanceNormalization', x, { epsilon: float(1e-5) }, { initializers: { scale: params(0.5, 2), B: params(-1, 1) } });
      }
      await check('BatchNormalization', randomTensor([3, c], rng), {}, { initializers: { scale: randomTensor([c], rng), B: randomTensor([c], rng), mean: randomTensor([c], rng), var: randomTensor([c], rng, 0.5, 1) } });
    }
  });

  it('LRN with odd and even sizes, beta 0.75 and others', async () => {
    const rng = seededRandom(22);
    for (const c of CHANNELS) {
      const x = randomTensor([1, c, 3, pick(rng, WIDTHS)], rng, -2, 2);
      for (const [size, beta] of [[5, 0.75], [4, 0.5], [1, 1.3], [3, 0.75]] as const) {
        await check('LRN', x, { size: int(size), alpha: float(1e-2), beta: float(beta), bias: float(pick(rng, [1, 2])) });
      }
    }
  });
});

describe('Pad kernel', () => {
  it('modes, attribute (opset 2) and input (opset 13, 18 with axes) forms, negative pads', async () => {
    const rng = seededRandom(31);
    for (let trial = 0; trial < 40; trial++) {
      const c = pick(rng, CHANNELS);
      const w = pick(rng, WIDTHS);
      const h = pick(rng, [1, 4, 6]);
      const mode = pick(rng, ['constant', 'edge', 'reflect']);
      const x = randomTensor([1, c, h, w], rng);
      // Reflect needs pads smaller than the axis; crop only what is there.
      const spatialPad = (size: number) => (mode === 'reflect' ? Math.min(pick(rng, [0, 1, 2, 3]), size - 1) : pick(rng, [0, 1, 2, 3, -1]));
      const padsHW = [spatialPad(h), spatialPad(w), spatialPad(h), spatialPad(w)];
      if (padsHW[0]! + padsHW[2]! <= -h || padsHW[1]! + padsHW[3]! <= -w) continue;
      const channelPad = mode === 'constant' && rng() < 0.3 ? 1 : 0;
      const pads = [0, channelPad, padsHW[0]!, padsHW[1]!, 0, 0, padsHW[2]!, padsHW[3]!];
      const value = pick(rng, [0, 1.5, -2]);
      const form = trial % 3;
      if (form === 0) {
        await check('Pad', x, { mode: str(mode), pads: ints(pads), value: float(value) }, { opset: 2 });
      } else if (form === 1) {
        await check('Pad', x, { mode: str(mode) }, { opset: 13, initializers: { pads: int64([8], pads), value: float32([], [value]) } });
      } else {
        await check('Pad', x, { mode: str(mode) }, { opset: 18, initializers: { pads: int64([4], [padsHW[0]!, padsHW[1]!, padsHW[2]!, padsHW[3]!]), value: float32([], [value]), axes: int64([2], [-2, -1]) } });
      }
    }
  });

  it('rank 5 (merged unpadded axes on the kernel, every axis padded on the host) and rank 2', async () => {
    const rng = seededRandom(32);
    await check('Pad', randomTensor([2, 3, 2, 3, 2], rng), { mode: str('edge') }, { opset: 13, initializers: { pads: int64([10], [1, 0, 1, 0, 1, 0, 1, 0, 1, 1]) } });
    await check('Pad', randomTensor([2, 3, 2, 3, 5], rng), { mode: str('constant') }, { opset: 13, initializers: { pads: int64([10], [1, 0, 0, 1, 2, 0, 0, 0, 2, 1]), value: float32([], [3]) } });
    await check('Pad', randomTensor([5, 7], rng), { mode: str('reflect') }, { opset: 13, initializers: { pads: int64([4], [2, 3, 1, 4]) } });
  });
});

const COORDINATES = ['half_pixel', 'asymmetric', 'pytorch_half_pixel', 'align_corners', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

describe('Resize and Upsample kernel', () => {
  it('Resize 11+ modes, coordinate and nearest modes, scales and sizes', async () => {
    const rng = seededRandom(41);
    for (let trial = 0; trial < 48; trial++) {
      const c = pick(rng, CHANNELS);
      const w = pick(rng, WIDTHS);
      const h = pick(rng, [1, 4, 5]);
      const mode = pick(rng, ['nearest', 'linear', 'cubic']);
      const coordinates = mode === 'nearest' ? pick(rng, COORDINATES) : pick(rng, COORDINATES.filter((m) => m !== 'tf_half_pixel_for_nn'));
      const attrs: Record<string, Attr> = { mode: str(mode), coordinate_transformation_mode: str(coordinates), nearest_mode: str(pick(rng, NEAREST)) };
      if (mode === 'cubic') {
        attrs['cubic_coeff_a'] = float(pick(rng, [-0.75, -0.5]));
        attrs['exclude_outside'] = int(rng() < 0.5 ? 1 : 0);
      }
      const x = randomTensor([1, c, h, w], rng);
      const empty = float32([0], []);
      if (trial % 2 === 0) {
        const [scaleH, scaleW] = [pick(rng, [0.5, 1, 1.5, 2, 3]), pick(rng, [0.6, 1, 2, 2.5])];
        if (Math.floor(h * scaleH) < 1 || Math.floor(w * scaleW) < 1) continue;
        await check('Resize', x, attrs, { opset: 13, initializers: { roi: empty, scales: float32([4], [1, 1, scaleH, scaleW]) } });
      } else {
        const sizes = int64([4], [1, c, pick(rng, [1, 3, 8, 10]), pick(rng, [1, 5, 16, 60])]);
        await check('Resize', x, attrs, { opset: 11, initializers: { roi: empty, scales: empty, sizes } });
      }
    }
  });

  it('Resize 10, Resize 18 with axes, Upsample 7 and 9', async () => {
    const rng = seededRandom(42);
    for (const c of CHANNELS) {
      for (const w of WIDTHS) {
        const x = randomTensor([2, c, 3, w], rng);
        for (const mode of ['nearest', 'linear']) {
          await check('Resize', x, { mode: str(mode) }, { opset: 10, initializers: { scales: float32([4], [1, 1, 2, w > 1 ? 0.5 : 2]) } });
          await check('Upsample', x, { mode: str(mode), scales: { kind: 'floats', value: [1, 1, 2, 3] } }, { opset: 7 });
          await check('Upsample', x, { mode: str(mode) }, { opset: 9, initializers: { scales: float32([4], [1, 1, 1.5, 2]) } });
        }
        await check('Resize', x, { mode: str('linear'), axes: ints([2, 3]) }, { opset: 18, extraInputs: ['', 'scales'], initializers: { scales: float32([2], [2, 2]) } });
      }
    }
  });

  it('refuses scaling the channel axis and tf_crop_and_resize', async () => {
    const x = randomTensor([1, 2, 3, 3], seededRandom(43));
    const channels = singleNodeModel({ op: 'Resize', inputs: [{ name: 'X', dtype: 'float32', shape: [1, 2, 3, 3] }, { name: 'roi', dtype: 'float32', shape: [0] }, { name: 'scales', dtype: 'float32', shape: [4] }], outputs: ['Y'], initializers: { roi: float32([0], []), scales: float32([4], [1, 2, 2, 2]) } });
    await expect(runEngine(channels, { X: x })).rejects.toThrow(/only H and W/);
    const crop = singleNodeModel({ op: 'Resize', inputs: [{ name: 'X', dtype: 'float32', shape: [1, 2, 3, 3] }, { name: 'roi', dtype: 'float32', shape: [8] }, { name: 'scales', dtype: 'float32', shape: [4] }], outputs: ['Y'], attrs: { coordinate_transformation_mode: str('tf_crop_and_resize') }, initializers: { roi: float32([8], [0, 0, 0, 0, 1, 1, 1, 1]), scales: float32([4], [1, 1, 2, 2]) } });
    await expect(runEngine(crop, { X: x })).rejects.toThrow(UnsupportedOpError);
  });
});

describe('split across threads', () => {
  it('gives the same outputs on two threads as on one (every kernel that takes a range)', async () => {
    const rng = seededRandom(61);
    const graph = emptyGraph('spatial chain');
    graph.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 13, 9, 57] }];
    graph.initializers.set('w', randomTensor([13, 5, 4, 4], rng));
    graph.initializers.set('scales', float32([4], [1, 1, 1.5, 0.5]));
    graph.initializers.set('pads', int64([8], [0, 0, 1, 2, 0, 0, 2, 1]));
    for (const name of ['scale', 'bias', 'mean', 'var']) graph.initializers.set(name, randomTensor([5], rng, 0.5, 1.5));
    const node = (op: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}) => graph.nodes.push({ name: output, op, domain: '', inputs, outputs: [output], attrs });
    node('MaxPool', ['x'], 'a', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    node('MaxPool', ['a'], 'b', { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) });
    node('AveragePool', ['b'], 'c', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    node('LRN', ['c'], 'd', { size: int(5) });
    node('Resize', ['d', '', 'scales'], 'e', { mode: str('cubic') });
    node('ConvTranspose', ['e', 'w'], 'f', { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
    node('BatchNormalization', ['f', 'scale', 'bias', 'mean', 'var'], 'g');
    node('InstanceNormalization', ['g', 'scale', 'bias'], 'h');
    node('Pad', ['h', 'pads'], 'i', { mode: str('reflect') });
    node('GlobalAveragePool', ['i'], 'j');
    node('GlobalMaxPool', ['i'], 'k');
    graph.outputs = ['i', 'j', 'k'].map((name) => ({ name, dtype: 'float32' as const }));
    const model = emptyModel(graph, 13);
    const x = toFloat32(randomTensor([1, 13, 9, 57], rng));
    const one = await Session.create(model);
    const two = await Session.create(model, { threads: 2 });
    try {
      expect(two.threads).toBe(2);
      const a = one.run({ x });
      const b = two.run({ x });
      for (const name of ['i', 'j', 'k']) expect(Array.from(b[name]!.data)).toEqual(Array.from(a[name]!.data));
    } finally {
      two.dispose();
    }
  });
});
