// `wasmpose inspect`: format, inputs and outputs with shapes, op histogram, parameters and GFLOPs,
// from a topology alone (.prototxt, .xml) or with weights.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../src/cli/args.js';
import { inspectCommand, type InspectResult } from '../src/cli/commands/inspect.js';
import { ModelFormatError } from '../src/nn/errors.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import { humanPoseEstimation0001 } from '../src/models/human-pose-estimation-0001.js';

const SHARED = resolve(import.meta.dirname, '../../shared');
const COCO = resolve(SHARED, 'conformance/caffe/openpose_coco_pose_deploy_linevec.prototxt');
const IR_DIR = resolve(SHARED, 'conformance/openvino-ir');

async function inspect(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const code = await inspectCommand(argv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n') };
}

async function inspectJson(...argv: string[]): Promise<InspectResult> {
  const { code, out } = await inspect(...argv, '--json');
  expect(code).toBe(0);
  return JSON.parse(out) as InspectResult;
}

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!existsSync(COCO))('inspect the CMU OpenPose COCO prototxt (no caffemodel)', () => {
  if (!existsSync(COCO)) console.warn(`inspect: skipped, ${COCO} is absent`);

  it('at 1x3x368x368: 52.31 M parameters, the output shape, the ops and GFLOPs', async () => {
    const r = await inspectJson(COCO, '--input-shape', 'image=1,3,368,368');
    expect(r.format).toBe('caffe');
    expect(r.hasWeights).toBe(false);
    expect(r.inputs).toEqual([{ name: 'image', dtype: 'float32', shape: [1, 3, 368, 368] }]);
    expect(r.outputs).toEqual([{ name: 'net_output', dtype: 'float32', shape: [1, 57, 46, 46] }]);
    expect(r.params / 1e6).toBeCloseTo(52.311446, 5);
    // The same network as the TypeScript definition openpose-coco (registry: 271.87 GFLOPs at 368x368).
    expect(r.gflops).toBeCloseTo(271.87, 1);
    expect(r.ops['Conv']).toBe(92);
    expect(r.ops['MaxPool']).toBe(3);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['format', 'inputs', 'outputs', 'ops', 'params', 'gflops']));
  });

  it('the input shape changes the outputs and the compute, not the parameters', async () => {
    const r = await inspectJson(COCO, '--input-shape', 'image=1,3,184,184');
    expect(r.outputs[0]!.shape).toEqual([1, 57, 23, 23]);
    expect(r.params / 1e6).toBeCloseTo(52.311446, 5);
    const text = (await inspect(COCO, '--input-shape', 'image=1,3,184,184')).out;
    expect(text).toMatch(/Caffe \(topology only: no weights file\)/);
    expect(text).toMatch(/net_output \[1, 57, 23, 23\]/);
    expect(text).toMatch(/params: {2}52\.311 M/);
  });
});

describe('inspect an OpenVINO .xml with and without its .bin, and ONNX', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-inspect-'));
  const model = humanPoseEstimation0001({ height: 128, width: 224 });
  const { xml, bin } = writeOpenVino(model);
  writeFileSync(join(dir, 'alone.xml'), xml);
  writeFileSync(join(dir, 'hpe.xml'), xml);
  writeFileSync(join(dir, 'hpe.bin'), bin);
  writeFileSync(join(dir, 'hpe.onnx'), writeOnnx(model));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the same counts from the .xml alone, the .xml with its .bin and the ONNX file', async () => {
    const alone = await inspectJson(join(dir, 'alone.xml'));
    const withBin = await inspectJson(join(dir, 'hpe.xml'));
    const onnx = await inspectJson(join(dir, 'hpe.onnx'));
    expect(alone.format).toBe('openvino');
    expect(alone.hasWeights).toBe(false);
    expect(withBin.hasWeights).toBe(true);
    expect(onnx.format).toBe('onnx');
    for (const r of [alone, withBin, onnx]) {
      expect(r.inputs).toEqual([{ name: 'data', dtype: 'float32', shape: [1, 3, 128, 224] }]);
      expect(r.outputs.map((o) => [o.name, o.shape])).toEqual([['Mconv7_stage2_L1', [1, 38, 16, 28]], ['Mconv7_stage2_L2', [1, 19, 16, 28]]]);
      // The card's 4.099 M: batch norm counted as deployed (folded into the convolutions).
      expect(r.params).toBe(4_098_674);
      expect(r.gflops).toBeCloseTo(onnx.gflops, 9);
      expect(r.ops['Conv']).toBe(58);
    }
    // The weights file can also be given explicitly.
    expect((await inspectJson(join(dir, 'alone.xml'), '--weights', join(dir, 'hpe.bin'))).hasWeights).toBe(true);
  });

  it.skipIf(!existsSync(IR_DIR))('a real IR .xml alone (efficientnet-b0, no .bin published)', async () => {
    const r = await inspectJson(join(IR_DIR, 'efficientnet-b0.xml'));
    expect(r.hasWeights).toBe(false);
    expect(r.outputs.map((o) => o.shape)).toEqual([[1, 1000]]);
    expect(r.params / 1e6).toBeCloseTo(5.27, 1);
    expect(r.ops['ReduceMean']).toBe(17);
  });

  it('usage and file errors', async () => {
    await expect(inspectCommand([])).rejects.toThrow(UsageError);
    await expect(inspectCommand([join(dir, 'alone.xml'), '--input-shape', 'data=1,3,x'])).rejects.toThrow(UsageError);
    await expect(inspectCommand([join(dir, 'missing.prototxt')])).rejects.toThrow(ModelFormatError);
    await expect(inspectCommand([join(dir, 'model.txt')])).rejects.toThrow(/unknown model format/);
  });
});

describe('inspect counts quantized weights (an FP16-INT8-style IR)', () => {
  // x [1,2,4,4] -> FakeQuantize (per-tensor) -> Convolution A, weights f32 [3,2,1,1] through a
  // per-channel FakeQuantize -> Convolution B, weights i8 [4,3,3,3] -> Convert -> Multiply by a
  // per-channel scale [4,1,1,1] (how OpenVINO stores compressed INT8 weights). Parameters: 6 + 108,
  // as the float network; the FakeQuantize ranges and scales configure, they are not weights.
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-inspect-int8-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  const blobs = [
    f32([0.1, -0.2, 0.3, -0.4, 0.5, -0.6]), f32([-1]), f32([1]), f32([-0.6, -0.6, -0.6]), f32([0.6, 0.6, 0.6]),
    new Uint8Array(Int8Array.from({ length: 108 }, (_, i) => (i * 37) % 255 - 127).buffer), f32([0.01, 0.02, 0.03, 0.04]),
  ];
  const offsets = blobs.map((_, i) => blobs.slice(0, i).reduce((n, b) => n + b.length, 0));
  const bin = new Uint8Array(blobs.reduce((n, b) => n + b.length, 0));
  blobs.forEach((b, i) => bin.set(b, offsets[i]!));
  const dims = (shape: number[]) => shape.map((d) => `<dim>${d}</dim>`).join('');
  const port = (id: number, shape: number[], precision = 'FP32') => `<port id="${id}" precision="${precision}">${dims(shape)}</port>`;
  const constant = (id: number, blob: number, shape: number[], type = 'f32') =>
    `<layer id="${id}" name="c${id}" type="Const" version="opset1"><data element_type="${type}" shape="${shape.join(',')}" offset="${offsets[blob]}" size="${blobs[blob]!.length}"/><output>${port(0, shape, type === 'i8' ? 'I8' : 'FP32')}</output></layer>`;
  const fq = (id: number, levels: number, shape: number[], range: number[]) =>
    `<layer id="${id}" name="fq${id}" type="FakeQuantize" version="opset1"><data levels="${levels}" auto_broadcast="numpy"/><input>${port(0, shape)}${[1, 2, 3, 4].map((p) => port(p, range)).join('')}</input><output>${port(5, shape)}</output></layer>`;
  const conv = (id: number, x: number[], w: number[], y: number[], pad: number) =>
    `<layer id="${id}" name="conv${id}" type="Convolution" version="opset1"><data strides="1,1" dilations="1,1" pads_begin="${pad},${pad}" pads_end="${pad},${pad}" auto_pad="explicit"/><input>${port(0, x)}${port(1, w)}</input><output>${port(2, y)}</output></layer>`;
  const edge = (from: number, fromPort: number, to: number, toPort: number) => `<edge from-layer="${from}" from-port="${fromPort}" to-layer="${to}" to-port="${toPort}"/>`;
  const xml = `<?xml version="1.0"?>
<net name="int8" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"><data shape="1,2,4,4" element_type="f32"/><output>${port(0, [1, 2, 4, 4])}</output></layer>
${constant(1, 1, [])}${constant(2, 2, [])}${fq(3, 256, [1, 2, 4, 4], [])}
${constant(4, 0, [3, 2, 1, 1])}${constant(5, 3, [3, 1, 1, 1])}${constant(6, 4, [3, 1, 1, 1])}${fq(7, 255, [3, 2, 1, 1], [3, 1, 1, 1])}
${conv(8, [1, 2, 4, 4], [3, 2, 1, 1], [1, 3, 4, 4], 0)}
${constant(9, 5, [4, 3, 3, 3], 'i8')}
<layer id="10" name="decompress" type="Convert" version="opset1"><data destination_type="f32"/><input>${port(0, [4, 3, 3, 3], 'I8')}</input><output>${port(1, [4, 3, 3, 3])}</output></layer>
${constant(11, 6, [4, 1, 1, 1])}
<layer id="12" name="dequantize" type="Multiply" version="opset1"><data auto_broadcast="numpy"/><input>${port(0, [4, 3, 3, 3])}${port(1, [4, 1, 1, 1])}</input><output>${port(2, [4, 3, 3, 3])}</output></layer>
${conv(13, [1, 3, 4, 4], [4, 3, 3, 3], [1, 4, 4, 4], 1)}
<layer id="14" name="y" type="Result" version="opset1"><input>${port(0, [1, 4, 4, 4])}</input></layer>
</layers><edges>
${edge(0, 0, 3, 0)}${edge(1, 0, 3, 1)}${edge(2, 0, 3, 2)}${edge(1, 0, 3, 3)}${edge(2, 0, 3, 4)}
${edge(4, 0, 7, 0)}${edge(5, 0, 7, 1)}${edge(6, 0, 7, 2)}${edge(5, 0, 7, 3)}${edge(6, 0, 7, 4)}
${edge(3, 5, 8, 0)}${edge(7, 5, 8, 1)}
${edge(9, 0, 10, 0)}${edge(10, 1, 12, 0)}${edge(11, 0, 12, 1)}
${edge(8, 2, 13, 0)}${edge(12, 2, 13, 1)}${edge(13, 2, 14, 0)}
</edges></net>`;
  writeFileSync(join(dir, 'int8.xml'), xml);
  writeFileSync(join(dir, 'int8.bin'), bin);
  writeFileSync(join(dir, 'alone.xml'), xml);

  it('counts int8 and FakeQuantize\'d weights as the float network has them, with or without the .bin', async () => {
    for (const file of ['int8.xml', 'alone.xml']) {
      const r = await inspectJson(join(dir, file));
      expect(r.params, file).toBe(6 + 108);
      expect(r.macs, file).toBe(3 * 2 * 16 + 4 * 3 * 9 * 16);
    }
  });
});
