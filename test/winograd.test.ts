// Winograd F(4x4, 3x3): the plain TypeScript algorithm (src/nn/ops/conv/winograd.ts) against the
// direct convolution, the WASM kernel (assembly/kernels/conv/conv-winograd.ts) against the
// reference on odd shapes (channels, widths, heights not a multiple of 4, pads, dilation, batch,
// every fused activation), and its float32 error at realistic magnitudes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attr } from '../src/nn/graph.js';
import { activationAttrs, type FusedActivation } from '../src/nn/ops/conv/activation.js';
import { conv, convTuning, winogradApplies } from '../src/nn/ops/conv/conv.js';
import { convGeometry } from '../src/nn/ops/conv/geometry.js';
import { MR } from '../src/nn/ops/conv/pack.js';
import { instantiateKernels, relaxedSimdSupported } from '../src/nn/runtime/kernels.js';
import { AT, BT, G, packWinogradWeights, PATCH, transformKernel, winogradConvReference } from '../src/nn/ops/conv/winograd.js';
import { toFloat32, type Tensor } from '../src/nn/tensor.js';
import { expectClose, expectEngineMatchesReference, randomTensor, runEngine, seededRandom, singleNodeModel } from './support/harness.js';
import { runReference } from '../src/nn/reference.js';

interface Case {
  batch?: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  pads?: [number, number, number, number];
  dilation?: number;
  bias?: boolean;
  activation?: FusedActivation;
}

function attrs(c: Case): Record<string, Attr> {
  const d = c.dilation ?? 1;
  return {
    kernel_shape: { kind: 'ints', value: [3, 3] },
    pads: { kind: 'ints', value: c.pads ?? [1, 1, 1, 1] },
    dilations: { kind: 'ints', value: [d, d] },
    ...(c.activation ? activationAttrs(c.activation) : {}),
  };
}

function label(c: Case): string {
  const act = c.activation ? ` ${c.activation.name}(${c.activation.params.length > 3 ? 'per channel' : c.activation.params.join(',')})` : '';
  return `${c.batch ?? 1}x${c.cin}x${c.h}x${c.w} -> ${c.cout} p${(c.pads ?? [1, 1, 1, 1]).join(',')} d${c.dilation ?? 1}${c.bias === false ? ' nobias' : ''}${act}`;
}

function caseModel(c: Case, rng: () => number, weightScale = 1): { model: ReturnType<typeof singleNodeModel>; x: Tensor } {
  const xShape = [c.batch ?? 1, c.cin, c.h, c.w];
  const wShape = [c.cout, c.cin, 3, 3];
  const initializers: Record<string, Tensor> = { W: randomTensor(wShape, rng, -weightScale, weightScale) };
  const inputs = [{ name: 'X', dtype: 'float32' as const, shape: xShape }, { name: 'W', dtype: 'float32' as const, shape: wShape }];
  if (c.bias !== false) {
    initializers.B = randomTensor([c.cout], rng);
    inputs.push({ name: 'B', dtype: 'float32', shape: [c.cout] });
  }
  const model = singleNodeModel({ op: 'Conv', inputs, outputs: ['Y'], attrs: attrs(c), initializers });
  model.graph.name = label(c);
  return { model, x: randomTensor(xShape, rng) };
}

describe('F(4x4, 3x3) matrices', () => {
  it('A^T [(G g G^T) .* (B^T d B)] A is the 3x3 correlation of a 6x6 patch', () => {
    const rng = seededRandom(1);
    const d = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rng() - 0.5));
    const g = Array.from({ length: 9 }, () => rng() - 0.5);
    const u = transformKernel(g);
    const v = BT.map((row) => d[0]!.map((_, j) => row.reduce((s, b, k) => s + b * d[k]![j]!, 0))).map((row) => BT.map((b) => row.reduce((s, x, k) => s + x * b[k]!, 0)));
    const m = u.map((row, i) => row.map((x, j) => x * v[i]![j]!));
    const y = AT.map((row) => m[0]!.map((_, j) => row.reduce((s, a, k) => s + a * m[k]![j]!, 0))).map((row) => AT.map((a) => row.reduce((s, x, k) => s + x * a[k]!, 0)));
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let direct = 0;
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) direct += g[ky * 3 + kx]! * d[i + ky]![j + kx]!;
        expect(y[i]![j]!).toBeCloseTo(direct, 12);
      }
    }
    expect(G.length).toBe(6);
  });
});

describe('packWinogradWeights', () => {
  it('writes G g G^T of every kernel, rounded to float32, where convWinograd reads it; padding lanes stay zero', () => {
    const cout = 6;
    const cin = 5;
    const rng = seededRandom(3);
    const weights = toFloat32(randomTensor([cout, cin, 3, 3], rng));
    weights[0] = 0;
    weights[10] = -0;
    const packing = packWinogradWeights(weights, cout, cin);
    expect(packing.length).toBe(Math.ceil(cout / MR) * PATCH * PATCH * cin * MR);
    const out = new Float32Array(packing.length);
    packing.write(out);
    const expected = new Float32Array(packing.length);
    for (let o = 0; o < cout; o++) {
      for (let c = 0; c < cin; c++) {
        const u = transformKernel(weights.subarray((o * cin + c) * 9, (o * cin + c) * 9 + 9)).flat();
        u.forEach((v, xi) => { expected[((Math.floor(o / MR) * PATCH * PATCH + xi) * cin + c) * MR + (o % MR)] = v; });
      }
    }
    // The load-time transform leaves out G's zero terms: the same floats as the dense product.
    expect(Array.from(out, (v) => v + 0)).toEqual(Array.from(expected, (v) => v + 0));
  });

  it('the WASM kernel writes the same floats as the plain packing, in slices, on odd shapes', async () => {
    // cin 45: a whole block of input channels and a partial one; cout 7: a partial last panel.
    for (const build of ['simd', 'relaxed'] as const) {
      if (build === 'relaxed' && !relaxedSimdSupported()) continue;
      for (const [cout, cin] of [[7, 45], [4, 1], [1, 32]] as const) {
        const weights = toFloat32(randomTensor([cout, cin, 3, 3], seededRandom(cout * 100 + cin)));
        const packing = packWinogradWeights(weights, cout, cin);
        const plain = new Float32Array(packing.length);
        packing.write(plain);
        const { fn, args, extent } = packing.kernel!;
        const kernels = await instantiateKernels(build, 1 << 20, false);
        const source = 1 << 16;
        const target = source + weights.byteLength + 64;
        kernels.memory.grow(Math.ceil((target + plain.byteLength) / 65536));
        new Float32Array(kernels.memory.buffer, source, weights.length).set(weights);
        for (let begin = 0; begin < extent; begin += 2) kernels.fn(fn)(source, target, ...args, begin, Math.min(extent, begin + 2));
        const packed = new Float32Array(kernels.memory.buffer, target, plain.length);
        expect(Array.from(packed), `${build} ${cout}x${cin}`).toEqual(Array.from(plain));
      }
    }
  });
});

describe('winogradConvReference vs the direct convolution', () => {
  const cases: Case[] = [
    { cin: 3, cout: 5, h: 9, w: 7 },
    { cin: 1, cout: 1, h: 1, w: 1 },
    { cin: 2, cout: 3, h: 6, w: 11, pads: [0, 0, 0, 0] },
    { batch: 2, cin: 4, cout: 3, h: 7, w: 9, pads: [0, 1, 2, 1], bias: false },
    { cin: 3, cout: 2, h: 11, w: 13, dilation: 2, pads: [2, 2, 2, 2] },
    { cin: 2, cout: 2, h: 10, w: 9, dilation: 2, pads: [1, 0, 2, 2] },
  ];
  it.each(cases.map((c, i) => [label(c), c, i] as const))('%s', (_, c, i) => {
    const { model, x } = caseModel(c, seededRandom(10 + i));
    const node = model.graph.nodes[0]!;
    const w = model.graph.initializers.get('W')!;
    const b = model.graph.initializers.get('B');
    const direct = conv.reference({ node, opset: 17, inputs: [x, w, b] })[0]!;
    const g = convGeometry(node, x.shape, w.shape);
    const winograd = winogradConvReference(g, toFloat32(x), toFloat32(w), b === undefined ? undefined : toFloat32(b));
    expectClose(winograd, toFloat32(direct), 1e-5, label(c));
  });
});

function activations(cout: number, rng: () => number): FusedActivation[] {
  return [
    { name: 'Relu', params: [] },
    { name: 'Clip', params: [0, 6] },
    { name: 'LeakyRelu', params: [0.1] },
    { name: 'PRelu', params: Array.from({ length: cout }, () => rng() - 0.5) },
    { name: 'Elu', params: [0.7] },
    { name: 'Sigmoid', params: [] },
    { name: 'HardSigmoid', params: [0.2, 0.5] },
    { name: 'HardSwish', params: [] },
  ];
}

describe('Winograd kernel vs the reference', () => {
  // Small channel counts take the Winograd path too here, to reach every edge of the kernel.
  const saved = { ...convTuning };
  beforeAll(() => {
    Object.assign(convTuning, { winogradMinChannels: 1, winogradMinTiles: 1 });
  });
  afterAll(() => {
    Object.assign(convTuning, saved);
  });

  const cases: Case[] = [
    { cin: 1, cout: 1, h: 1, w: 1 },
    { cin: 3, cout: 13, h: 9, w: 57 },
    { cin: 13, cout: 3, h: 7, w: 7, pads: [0, 0, 0, 0] },
    { cin: 64, cout: 64, h: 6, w: 57 },
    { cin: 13, cout: 64, h: 10, w: 1, pads: [1, 1, 1, 1] },
    { cin: 64, cout: 13, h: 3, w: 7, pads: [0, 1, 0, 1], bias: false },
    { batch: 2, cin: 13, cout: 7, h: 5, w: 23, pads: [1, 0, 2, 1] },
    { cin: 3, cout: 5, h: 13, w: 57, dilation: 2, pads: [2, 2, 2, 2] },
    { batch: 2, cin: 64, cout: 13, h: 9, w: 7, dilation: 2, pads: [2, 2, 2, 2] },
    { cin: 13, cout: 3, h: 11, w: 1, dilation: 2, pads: [2, 2, 0, 2] },
    { cin: 17, cout: 9, h: 35, w: 41 }, // several work units
  ];
  it.each(cases.map((c, i) => [label(c), c, i] as const))('%s', async (_, c, i) => {
    const { model, x } = caseModel(c, seededRandom(100 + i));
    await expectEngineMatchesReference(model, { X: x });
  });

  const fused = activations(13, seededRandom(5)).map((activation): Case => ({ cin: 13, cout: 13, h: 7, w: 9, activation }));
  it.each(fused.map((c, i) => [label(c), c, i] as const))('fused %s', async (_, c, i) => {
    const { model, x } = caseModel(c, seededRandom(200 + i));
    await expectEngineMatchesReference(model, { X: x });
  });

  it('two threads: units split between them, each on its own scratch', async () => {
    const { model, x } = caseModel({ batch: 2, cin: 19, cout: 21, h: 23, w: 41, dilation: 2, pads: [2, 2, 2, 2] }, seededRandom(300));
    await expectEngineMatchesReference(model, { X: x }, 1e-4, { threads: 2 });
  });

  it('takes the path (3x3 stride 1 groups 1) and leaves the others', () => {
    const node = { name: 'n', op: 'Conv', domain: '', inputs: [], outputs: [], attrs: attrs({ cin: 1, cout: 1, h: 1, w: 1 }) };
    expect(winogradApplies(convGeometry(node, [1, 16, 8, 8], [16, 16, 3, 3]))).toBe(true);
    const strided = { ...node, attrs: { ...node.attrs, strides: { kind: 'ints', value: [2, 2] } as Attr } };
    expect(winogradApplies(convGeometry(strided, [1, 16, 8, 8], [16, 16, 3, 3]))).toBe(false);
    const grouped = { ...node, attrs: { ...node.attrs, group: { kind: 'int', value: 2 } as Attr } };
    expect(winogradApplies(convGeometry(grouped, [1, 16, 8, 8], [16, 8, 3, 3]))).toBe(false);
  });
});

describe('Winograd path selection at the default thresholds', () => {
  const node = { name: 'n', op: 'Conv', domain: '', inputs: [], outputs: [], attrs: attrs({ cin: 1, cout: 1, h: 1, w: 1 }) };
  it('takes Lightweight OpenPose\'s 32x57 maps (120 tiles)', () => {
    expect(winogradApplies(convGeometry(node, [1, 128, 32, 57], [128, 128, 3, 3]))).toBe(true);
  });
  it('leaves HRNet\'s 8x6 and single-human-pose\'s 12x9 maps (4 and 9 tiles) on the direct path', () => {
    expect(winogradApplies(convGeometry(node, [1, 256, 8, 6], [256, 256, 3, 3]))).toBe(false);
    expect(winogradApplies(convGeometry(node, [1, 512, 12, 9], [512, 512, 3, 3]))).toBe(false);
  });
  it('leaves too few channels on the direct path', () => {
    expect(winogradApplies(convGeometry(node, [1, 8, 32, 57], [8, 8, 3, 3]))).toBe(false);
  });
});

describe('Winograd float32 error at realistic magnitudes', () => {
  // He-initialized weights (uniform with variance 2 / (9 cin)), inputs uniform in [-1, 1), the
  // accumulation lengths of Lightweight OpenPose's 3x3 convolutions (9 cin = 144 .. 1152).
  it.each([16, 64, 128])('cin %i: max error within the golden tolerance', async (cin) => {
    const rng = seededRandom(cin);
    const c: Case = { cin, cout: 32, h: 16, w: 29 };
    const bound = Math.sqrt(3) * Math.sqrt(2 / (9 * cin));
    const { model, x } = caseModel(c, rng, bound);
    const engine = (await runEngine(model, { X: x })).Y!;
    const reference = toFloat32(runReference(model, { X: x }).Y!);
    let scale = 1;
    let worst = 0;
    for (let i = 0; i < reference.length; i++) {
      scale = Math.max(scale, Math.abs(reference[i]!));
      worst = Math.max(worst, Math.abs(engine[i]! - reference[i]!));
    }
    console.log(`winograd cin ${cin} (k = ${9 * cin}): max |ref| ${scale.toFixed(3)}, max abs error ${worst.toExponential(2)}, relative to max(1, max|ref|) ${(worst / scale).toExponential(2)}`);
    expect(worst / scale).toBeLessThan(1e-4);
  });
});
