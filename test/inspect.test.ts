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
