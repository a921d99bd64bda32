// `--weights` for the seed networks (src/models/bind-checkpoint.ts): every network, built with seeded
// weights, is written as ONNX, as OpenVINO IR and (the PyTorch-published ones) as a torch.save
// checkpoint (test/support/pth-writer.ts); loading it back for that network gives outputs
// identical to the original's on the engine. Then each way a file can fail to fit gives its
// clear WeightsError.
//
// The networks run at small inputs (the registry's definitions take any size): the interface is
// checked at that size, which exercises the same code as the card size but keeps the file fast.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELS, modelEntry, type ModelEntry } from '../src/models/registry.js';
import { bindCheckpoint, checkInterface, definitionParameters, loadNetworkWeights } from '../src/models/bind-checkpoint.js';
import { WeightsError } from '../src/nn/errors.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import type { Graph, Model } from '../src/nn/graph.js';
import { seededRandom } from '../src/nn/random.js';
import { Session } from '../src/nn/session.js';
import { int64, tensor, toFloat32, type Tensor } from '../src/nn/tensor.js';
import { writePth } from './support/pth-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmpose-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small inputs each definition builds at (multiples of the networks' strides). */
const SIZES: Record<string, { height: number; width: number }> = {
  'human-pose-estimation-0001': { height: 64, width: 112 },
  'human-pose-estimation-3d-0001': { height: 64, width: 112 },
  'single-human-pose-estimation-0001': { height: 96, width: 72 },
  'openpose-coco': { height: 48, width: 48 },
  bodyposenet: { height: 48, width: 64 },
  'hrnet-w32': { height: 64, width: 64 },
};
const PYTORCH_PUBLISHED = new Set(['single-human-pose-estimation-0001', 'human-pose-estimation-3d-0001', 'hrnet-w32']);
/**
 * The networks whose loaded files also run on the engine against the original. Creating an
 * engine session packs every weight and costs seconds for the big networks (hrnet-w32's 1,400
 * nodes about 8 s here), so for those the files' interface is checked, and a bound checkpoint's
 * parameters are compared with the original's: the bound model is the definition's own graph, so
 * equal parameters are equal outputs.
 */
const RUN_ON_ENGINE = new Set(['human-pose-estimation-0001', 'human-pose-estimation-3d-0001']);

async function runOnEngine(model: Model, entry: ModelEntry, input: Float32Array): Promise<Record<string, Float32Array>> {
  const session = await Session.create(model);
  try {
    const outputs = session.run({ [entry.input.name]: input });
    return Object.fromEntries(entry.outputs.map((o) => [o.name, outputs[o.name]!.data as Float32Array]));
  } finally {
    session.dispose();
  }
}

function randomInput(size: { height: number; width: number }): Float32Array {
  const rng = seededRandom(3);
  return Float32Array.from({ length: 3 * size.height * size.width }, () => 2 * rng() - 1);
}

function expectIdentical(got: Record<string, Float32Array>, want: Record<string, Float32Array>, what: string): void {
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [name, values] of Object.entries(want)) {
    const other = got[name]!;
    expect(other.length, `${what} ${name}`).toBe(values.length);
    let differing = 0;
    for (let i = 0; i < values.length; i++) if (!Object.is(other[i], values[i])) differing++;
    expect(differing, `${what} ${name}: values differing from the original`).toBe(0);
  }
}

function writeIr(model: Model, base: string): string {
  const { xml, bin } = writeOpenVino(model);
  writeFileSync(`${base}.xml`, xml);
  writeFileSync(`${base}.bin`, bin);
  return `${base}.xml`;
}

/** The definition's parameters as a state dict, with the BatchNorm counters PyTorch saves beside them. */
function stateDict(model: Model): [string, Tensor][] {
  const entries: [string, Tensor][] = [];
  for (const name of definitionParameters(model)) {
    entries.push([name, model.graph.initializers.get(name)!]);
    if (name.endsWith('.running_var')) entries.push([name.replace(/running_var$/, 'num_batches_tracked'), int64([], [1000])]);
  }
  return entries;
}

/** A copy of the graph with values (and the nodes producing them) renamed. */
function renamed(model: Model, names: Record<string, string>): Model {
  const rename = (v: string): string => names[v] ?? v;
  const graph: Graph = {
    ...model.graph,
    nodes: model.graph.nodes.map((n) => ({ ...n, name: rename(n.name), inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) })),
    inputs: model.graph.inputs.map((i) => ({ ...i, name: rename(i.name) })),
    outputs: model.graph.outputs.map((o) => ({ ...o, name: rename(o.name) })),
  };
  return { ...model, graph };
}

/**
 * The model as an ONNX file carries it: ONNX stores float attributes as float32, so a batch-norm
 * epsilon of 1e-3 comes back as 0.0010000000474974513 and shifts some outputs by an ulp.
 */
function withFloat32Attributes(model: Model): Model {
  const nodes = model.graph.nodes.map((n) => ({
    ...n,
    attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, a]) => [k, a.kind === 'float' ? { kind: 'float' as const, value: Math.fround(a.value) } : a])),
  }));
  return { ...model, graph: { ...model.graph, nodes } };
}

/** Whether every parameter of `model` is the very tensor data of `original`'s. */
function expectSameParameters(model: Model, original: Model, what: string): void {
  for (const name of definitionParameters(original)) {
    const got = model.graph.initializers.get(name);
    expect(got, `${what} ${name}`).toBeDefined();
    expect(Buffer.from(toFloat32(got!).buffer).equals(Buffer.from(toFloat32(original.graph.initializers.get(name)!).buffer)), `${what} ${name}`).toBe(true);
  }
}

describe('seed networks load their weights from ONNX, IR and PyTorch files', () => {
  for (const entry of MODELS) {
    const size = SIZES[entry.name]!;
    const run = RUN_ON_ENGINE.has(entry.name);
    const pth = PYTORCH_PUBLISHED.has(entry.name) ? ', .pth' : '';
    const title = run
      ? `${entry.name} at ${size.height}x${size.width}: ONNX, IR${pth} run with the original's outputs`
      : `${entry.name} at ${size.height}x${size.width}: ONNX, IR${pth} have its interface${pth ? ' (the .pth its very parameters)' : ''}`;
    it(title, async () => {
      const original = entry.build({ ...size, seed: 7 });
      const input = randomInput(size);
      // IR writes attributes as decimal text, which keeps them; ONNX rounds them to float32.
      const want = run ? await runOnEngine(original, entry, input) : {};
      const wantFromOnnx = run ? await runOnEngine(withFloat32Attributes(original), entry, input) : {};
      const check = async (model: Model, what: string, reference = want): Promise<void> => {
        if (run) expectIdentical(await runOnEngine(model, entry, input), reference, what);
      };

      const onnxPath = join(dir, `${entry.name}.onnx`);
      writeFileSync(onnxPath, writeOnnx(original));
      await check(loadNetworkWeights(entry.name, onnxPath, size), 'ONNX', wantFromOnnx);
      rmSync(onnxPath);

      const xmlPath = writeIr(original, join(dir, entry.name));
      await check(loadNetworkWeights(entry.name, xmlPath, size), 'IR');
      rmSync(xmlPath);
      rmSync(xmlPath.replace(/xml$/, 'bin'));

      if (PYTORCH_PUBLISHED.has(entry.name)) {
        const pthPath = join(dir, `${entry.name}.pth`);
        writeFileSync(pthPath, writePth(stateDict(original), { archiveName: entry.name }));
        const bound = loadNetworkWeights(entry.name, pthPath, size);
        expectSameParameters(bound, original, '.pth');
        await check(bound, '.pth');
        rmSync(pthPath);
      }
    });
  }
});

describe('a file that does not fit says what differs', () => {
  const name = 'human-pose-estimation-0001';
  const entry = modelEntry(name);
  const size = SIZES[name]!;
  const original = entry.build({ ...size, seed: 7 });

  function expectWeightsError(load: () => unknown, ...messages: RegExp[]): void {
    let error: unknown;
    try {
      load();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightsError);
    for (const m of messages) expect((error as Error).message).toMatch(m);
  }

  it('a renamed output', () => {
    const path = join(dir, 'renamed-output.onnx');
    writeFileSync(path, writeOnnx(renamed(original, { Mconv7_stage2_L2: 'keypoint_maps' })));
    expectWeightsError(
      () => loadNetworkWeights(name, path, size),
      /renamed-output\.onnx does not have human-pose-estimation-0001's interface/,
      /missing output 'Mconv7_stage2_L2' \(the file's outputs: 'Mconv7_stage2_L1' \[1, 38, 8, 14\], 'keypoint_maps' \[1, 19, 8, 14\]\)/,
    );
  });

  it('outputs of the wrong shape', () => {
    const swapped = renamed(original, { Mconv7_stage2_L1: 'swap', Mconv7_stage2_L2: 'Mconv7_stage2_L1' });
    const path = join(dir, 'swapped.onnx');
    writeFileSync(path, writeOnnx(renamed(swapped, { swap: 'Mconv7_stage2_L2' })));
    expectWeightsError(
      () => loadNetworkWeights(name, path, size),
      /output 'Mconv7_stage2_L1': the file gives \[1, 19, 8, 14\], the network gives \[1, 38, 8, 14\]/,
      /output 'Mconv7_stage2_L2': the file gives \[1, 38, 8, 14\], the network gives \[1, 19, 8, 14\]/,
    );
  });

  it('a wrong input size, and a wrong input name', () => {
    const path = join(dir, 'small.onnx');
    writeFileSync(path, writeOnnx(original));
    // Without a size, the network's is the registry's 256x456.
    expectWeightsError(() => loadNetworkWeights(name, path), /input 'data': the file declares \[1, 3, 64, 112\], the network takes \[1, 3, 256, 456\]/);
    expectWeightsError(() => checkInterface(renamed(original, { data: 'image' }), name, size), /input 'data' missing \(the file's inputs: 'image'\)/);
  });

  it('an IR whose outputs carry port names is matched by its layer names', async () => {
    const xmlPath = writeIr(original, join(dir, 'port-names'));
    // Model Optimizer may name output tensors differently from their layers.
    const xml = readFileSync(xmlPath, 'utf8');
    const renamedPorts = xml.replaceAll('names="Mconv7_stage2_L1"', 'names="1187"').replaceAll('names="Mconv7_stage2_L2"', 'names="1190"');
    expect(renamedPorts).not.toBe(xml);
    writeFileSync(xmlPath, renamedPorts);
    const model = loadNetworkWeights(name, xmlPath, size);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['Mconv7_stage2_L1', 'Mconv7_stage2_L2']);
    const input = randomInput(size);
    expectIdentical(await runOnEngine(model, entry, input), await runOnEngine(original, entry, input), 'IR with port names');
  });

  it('an IR without its .bin', () => {
    const xmlPath = writeIr(original, join(dir, 'no-bin'));
    rmSync(xmlPath.replace(/xml$/, 'bin'));
    expectWeightsError(() => loadNetworkWeights(name, xmlPath, size), /no-bin\.xml is a graph without its weights/);
  });
});

describe('a checkpoint binds by name, all or nothing', () => {
  const name = 'human-pose-estimation-3d-0001';
  const size = SIZES[name]!;
  const original = modelEntry(name).build({ ...size, seed: 7 });
  const tensors = (): Map<string, Tensor> => new Map(stateDict(original));

  it('accepts a training checkpoint and DataParallel names', () => {
    const path = join(dir, 'wrapped.pth');
    writeFileSync(path, writePth([...tensors()].map(([k, t]) => [`module.${k}`, t] as const), { wrapInStateDict: true }));
    expectSameParameters(loadNetworkWeights(name, path, size), original, 'wrapped');
  });

  it('a missing tensor', () => {
    const t = tensors();
    t.delete('Pose3D.stem.0.align.0.weight');
    expect(() => bindCheckpoint(name, t, size)).toThrow(/does not fit the human-pose-estimation-3d-0001 definition \(\d+ parameters\): missing 1: Pose3D\.stem\.0\.align\.0\.weight$/);
  });

  it('a mis-shaped tensor', () => {
    const t = tensors();
    t.set('cpm.align.0.weight', tensor('float32', [128, 512, 1, 1, 1]));
    expect(() => bindCheckpoint(name, t, size)).toThrow(/mis-shaped 1: cpm\.align\.0\.weight \(expected \[128, 512, 1, 1\], given \[128, 512, 1, 1, 1\]\)$/);
  });

  it('an unused extra tensor', () => {
    const t = tensors();
    t.set('fake_conv_heatmaps.weight', tensor('float32', [19, 19, 1, 1]));
    expect(() => bindCheckpoint(name, t, size)).toThrow(/unused 1: fake_conv_heatmaps\.weight$/);
  });

  it('all three at once, through a .pth file, and a checkpoint of another network', () => {
    const t = tensors();
    t.delete('model.0.0.weight');
    t.set('initial_stage.heatmaps.1.0.bias', tensor('float32', [17]));
    t.set('extra.bias', tensor('float32', [3]));
    const path = join(dir, 'broken.pth');
    writeFileSync(path, writePth(t));
    expect(() => loadNetworkWeights(name, path, size)).toThrow(
      /broken\.pth does not fit the human-pose-estimation-3d-0001 definition \(\d+ parameters\): missing 1: model\.0\.0\.weight; mis-shaped 1: initial_stage\.heatmaps\.1\.0\.bias \(expected \[19\], given \[17\]\); unused 1: extra\.bias/,
    );
    // hpe-0001's Caffe names fit nothing here: the list is cut short with a count.
    expect(() => bindCheckpoint(name, new Map(stateDict(modelEntry('human-pose-estimation-0001').build(SIZES['human-pose-estimation-0001']))), size)).toThrow(
      /missing \d+: .*, \.\.\. \(\d+ in all\); unused \d+: /,
    );
  });
});
