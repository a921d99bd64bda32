// OpenVINO IR: the real IR files in ../shared (parsed, shape-inferred, and run end to end with
// seeded weights of the sizes their XML asks for, against ONNX Runtime on the converted ONNX),
// damaged and foreign files, and FakeQuantize against OpenVINO's formula computed by hand.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../src/nn/errors.js';
import { parseIr, readOpenVino, recoverIntegerConstants, type ParsedIr } from '../src/nn/formats/openvino/reader.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import { emptyGraph, emptyModel, onnxOpset, type Model } from '../src/nn/graph.js';
import { inferAndFold } from '../src/nn/passes/infer-and-fold.js';
import { fromNumbers, toFloat32, type Tensor } from '../src/nn/tensor.js';
import { expectClose, randomTensor, runEngine, seededRandom } from './support/harness.js';
import { runOrt } from './support/ort.js';

const IR_DIR = resolve(import.meta.dirname, '../../shared/conformance/openvino-ir');
const irFiles = existsSync(IR_DIR) ? readdirSync(IR_DIR).filter((f) => f.endsWith('.xml')).sort() : [];
/** The engine does not run SSD post-processing (prior boxes, NMS): this file must be refused. */
const REFUSED: Record<string, RegExp[]> = { 'face-detection-0200.xml': [/PriorBoxClustered/, /DetectionOutput/] };

const dims = (text: string | undefined): number[] => (text ?? '').split(',').filter((s) => s.trim() !== '').map(Number);

/**
 * A .bin of the size the XML asks for: float Consts seeded (weights scaled by their fan-in so
 * deep stacks stay in range; per-channel vectors small for adds, near 1 for multiplies), integer
 * Consts (shapes, axes, orders) recovered from the port dims around their readers.
 */
function seededBin(ir: ParsedIr, seed: number): Uint8Array {
  const recovered = recoverIntegerConstants(ir);
  const byId = new Map(ir.layers.map((l) => [l.id, l]));
  const consumers = (id: string): string[] => ir.edges.filter((e) => e.fromLayer === id).flatMap((e) => {
    const reader = byId.get(e.toLayer)!;
    return reader.type === 'Convert' ? consumers(reader.id) : [reader.type];
  });
  const consts = ir.layers.filter((l) => l.type === 'Const');
  const size = Math.max(0, ...consts.map((l) => Number(l.data['offset']) + Number(l.data['size'])));
  const bin = new Uint8Array(size);
  const rng = seededRandom(seed);
  for (const l of consts) {
    const shape = dims(l.data['shape']);
    const n = shape.reduce((a, b) => a * b, 1);
    const type = l.data['element_type'];
    let t: Tensor;
    if (type === 'f32' || type === 'f16') {
      const vector = shape.filter((d) => d !== 1).length <= 1;
      const [lo, hi] = vector
        ? (consumers(l.id).includes('Multiply') ? [0.5, 1.5] : [-0.1, 0.1])
        : ((bound: number) => [-bound, bound])(Math.sqrt(3 / shape.slice(shape.length === 5 ? 2 : 1).reduce((a, b) => a * b, 1)));
      t = fromNumbers(type === 'f32' ? 'float32' : 'float16', shape, Array.from({ length: n }, () => lo! + (hi! - lo!) * rng()));
    } else if (type === 'i64' || type === 'i32') {
      const values = recovered.get(l.id);
      if (values === undefined || values.length !== n) throw new Error(`cannot seed integer Const '${l.name}' (${type} [${shape.join(', ')}]): no values recovered from the port dims`);
      t = fromNumbers(type === 'i64' ? 'int64' : 'int32', shape, values);
    } else {
      throw new Error(`cannot seed Const '${l.name}' of element type ${type}`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    expect(bytes.length, `Const '${l.name}' size`).toBe(Number(l.data['size']));
    bin.set(bytes, Number(l.data['offset']));
  }
  return bin;
}

function histogram(items: string[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

describe.skipIf(irFiles.length === 0)('real OpenVINO IR files (../shared/conformance/openvino-ir)', () => {
  if (irFiles.length === 0) console.warn(`openvino-format: real IR files skipped, ${IR_DIR} is absent`);
  const table: string[] = [];
  afterAll(() => {
    console.log(['| file | IR layers | ONNX ops the engine runs | result |', '| --- | --- | --- | --- |', ...table].join('\n'));
  });

  for (const file of irFiles) {
    it(file, async () => {
      const xml = readFileSync(resolve(IR_DIR, file), 'utf8');
      const ir = parseIr(xml);
      const layerTypes = histogram(ir.layers.map((l) => l.type));
      const refusal = REFUSED[file];
      if (refusal !== undefined) {
        let error: unknown;
        try {
          readOpenVino(xml);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(UnsupportedOpError);
        for (const pattern of refusal) expect((error as Error).message).toMatch(pattern);
        table.push(`| ${file} | ${layerTypes} | | refused: ${(error as Error).message} |`);
        return;
      }

      // Topology alone (an .xml without its .bin): shapes must come out as the file declares.
      const model = readOpenVino(xml, { weights: seededBin(ir, 5) });
      const typed = inferAndFold(model.graph, onnxOpset(model));
      const results = ir.layers.filter((l) => l.type === 'Result');
      expect(typed.outputs).toHaveLength(results.length);
      results.forEach((r, i) => expect(typed.types.get(typed.outputs[i]!)!.shape, `${file} output ${i}`).toEqual(r.inputs[0]!.dims));

      const rng = seededRandom(9);
      const feeds = Object.fromEntries(model.graph.inputs.map((i) => [i.name, randomTensor(i.shape as number[], rng)]));
      const golden = await runOrt(model, feeds);
      const engine = await runEngine(model, feeds);
      let worst = 0;
      for (const [name, g] of Object.entries(golden)) {
        expectClose(Array.from(engine[name]!), g.data, 1e-4, `${file}:${name}`);
        for (let k = 0; k < g.data.length; k++) worst = Math.max(worst, Math.abs(engine[name]![k]! - g.data[k]!));
      }
      table.push(`| ${file} | ${layerTypes} | ${histogram(typed.nodes.map((n) => n.op))} | matches ORT, max error ${worst.toExponential(2)} |`);
    }, 120_000);
  }

  it('an .xml alone reads for inspection: shapes from the recovered integer constants', () => {
    for (const file of irFiles.filter((f) => REFUSED[f] === undefined)) {
      const ir = parseIr(readFileSync(resolve(IR_DIR, file), 'utf8'));
      const model = readOpenVino(readFileSync(resolve(IR_DIR, file), 'utf8'));
      const typed = inferAndFold(model.graph, onnxOpset(model));
      const results = ir.layers.filter((l) => l.type === 'Result');
      results.forEach((r, i) => expect(typed.types.get(typed.outputs[i]!)!.shape, `${file} output ${i}`).toEqual(r.inputs[0]!.dims));
    }
  });
});

/** A small network written by the IR writer, to damage. */
function smallIr(): { xml: string; bin: Uint8Array; model: Model } {
  const rng = seededRandom(2);
  const graph = emptyGraph('small');
  graph.inputs.push({ name: 'x', dtype: 'float32', shape: [1, 2, 5, 5] });
  graph.initializers.set('w', randomTensor([3, 2, 3, 3], rng));
  graph.initializers.set('b', randomTensor([3], rng));
  graph.nodes.push({ name: 'conv', op: 'Conv', domain: '', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: { kind: 'ints', value: [1, 1, 1, 1] } } });
  graph.nodes.push({ name: 'relu', op: 'Relu', domain: '', inputs: ['c'], outputs: ['y'], attrs: {} });
  graph.outputs.push({ name: 'y', dtype: 'float32' });
  const model = emptyModel(graph, 13);
  return { ...writeOpenVino(model), model };
}

describe('damaged and foreign IR files', () => {
  const { xml, bin, model } = smallIr();

  it('the written IR reads back and computes the original', async () => {
    const x = randomTensor([1, 2, 5, 5], seededRandom(4));
    const back = await runEngine(readOpenVino(xml, { weights: bin }), { x });
    const original = await runEngine(model, { x });
    expectClose(back['y']!, original['y']!, 1e-6);
  });

  it('a truncated .bin', () => {
    for (const keep of [0, 1, bin.length >> 1, bin.length - 1]) {
      expect(() => readOpenVino(xml, { weights: bin.subarray(0, keep) })).toThrow(ModelFormatError);
    }
    expect(() => readOpenVino(xml, { weights: bin.subarray(0, bin.length - 1) })).toThrow(/past the end of the weights file/);
  });

  it('a Const whose offset lies past the end', () => {
    const moved = xml.replace(/offset="(\d+)"/, `offset="${bin.length + 64}"`);
    expect(() => readOpenVino(moved, { weights: bin })).toThrow(ModelFormatError);
    expect(() => readOpenVino(moved, { weights: bin })).toThrow(/lie past the end/);
    expect(() => readOpenVino(xml.replace(/offset="(\d+)"/, 'offset="-4"'), { weights: bin })).toThrow(/invalid offset/);
  });

  it('XML that is not an IR', () => {
    expect(() => readOpenVino('<?xml version="1.0"?>\n<html><body/></html>')).toThrow(/not an OpenVINO IR: the root element is <html>/);
    expect(() => readOpenVino('<net name="x" version="7"><layers/><edges/></net>')).toThrow(/IR version 7 is not supported/);
    expect(() => readOpenVino('<net name="x" version="11"></net>')).toThrow(ModelFormatError);
  });

  it('XML syntax errors name the line and column', () => {
    const broken = xml.replace('<edges>', '<edges attr=unquoted>');
    const line = xml.slice(0, xml.indexOf('<edges>')).split('\n').length;
    expect(() => readOpenVino(broken)).toThrow(ModelFormatError);
    expect(() => readOpenVino(broken)).toThrow(new RegExp(`line ${line}, column \\d+`));
    expect(() => readOpenVino('<net version="11">\n  <layers>\n  </layer>\n</net>')).toThrow(/<\/layer> closes <layers>.*line 3, column 3/);
    expect(() => readOpenVino(xml.slice(0, xml.length >> 1))).toThrow(/XML: .* \(at line \d+, column \d+\)/);
  });

  it('an unsupported layer type is refused by name and type', () => {
    const foreign = xml.replace('type="ReLU"', 'type="Mish"');
    expect(() => readOpenVino(foreign, { weights: bin })).toThrow(UnsupportedOpError);
    expect(() => readOpenVino(foreign, { weights: bin })).toThrow(/'relu' \(Mish, opset1\)/);
  });
});

// FakeQuantize, OpenVINO's definition (FakeQuantize-1):
//   x <= min(in_lo, in_hi)  -> out_lo
//   x >  max(in_lo, in_hi)  -> out_hi
//   otherwise round((x - in_lo) / (in_hi - in_lo) * (levels - 1)) / (levels - 1) * (out_hi - out_lo) + out_lo
// (ties, which random inputs do not hit, round to even in OpenVINO's reference and ONNX's Round.)
function fakeQuantize(x: number, inLo: number, inHi: number, outLo: number, outHi: number, levels: number): number {
  if (x <= Math.min(inLo, inHi)) return outLo;
  if (x > Math.max(inLo, inHi)) return outHi;
  return (Math.round(((x - inLo) / (inHi - inLo)) * (levels - 1)) / (levels - 1)) * (outHi - outLo) + outLo;
}

describe('FakeQuantize on weights and on activations', () => {
  // x [1, 2, 4, 4] -> FakeQuantize (per-tensor, 256 levels) -> Convolution 1x1 with weights
  // [3, 2, 1, 1] through FakeQuantize (per output channel, 255 levels, INT8-style symmetric).
  const actRange = { inLo: -0.8, inHi: 0.9, outLo: -0.75, outHi: 0.95, levels: 256 };
  const wLo = [-0.5, -0.3, -0.9];
  const wHi = [0.5, 0.3, 0.9];
  const weights = randomTensor([3, 2, 1, 1], seededRandom(21));
  const floats = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  const blobs = [floats(Array.from(weights.data as Float32Array)), floats([actRange.inLo]), floats([actRange.inHi]), floats([actRange.outLo]), floats([actRange.outHi]), floats(wLo), floats(wHi)];
  const offsets = blobs.map((_, i) => blobs.slice(0, i).reduce((n, b) => n + b.length, 0));
  const bin = new Uint8Array(blobs.reduce((n, b) => n + b.length, 0));
  blobs.forEach((b, i) => bin.set(b, offsets[i]!));

  const port = (id: number, shape: number[]) => `<port id="${id}" precision="FP32">${shape.map((d) => `<dim>${d}</dim>`).join('')}</port>`;
  const constLayer = (id: number, name: string, blob: number, shape: number[]) =>
    `<layer id="${id}" name="${name}" type="Const" version="opset1"><data element_type="f32" shape="${shape.join(',')}" offset="${offsets[blob]}" size="${blobs[blob]!.length}"/><output>${port(0, shape)}</output></layer>`;
  const fq = (id: number, name: string, levels: number, shape: number[], range: number[]) =>
    `<layer id="${id}" name="${name}" type="FakeQuantize" version="opset1"><data levels="${levels}" auto_broadcast="numpy"/><input>${port(0, shape)}${[1, 2, 3, 4].map((p) => port(p, range)).join('')}</input><output>${port(5, shape)}</output></layer>`;
  const x = [1, 2, 4, 4];
  const y = [1, 3, 4, 4];
  const xml = `<?xml version="1.0"?>
<net name="fq" version="11">
<layers>
<layer id="0" name="x" type="Parameter" version="opset1"><data shape="1,2,4,4" element_type="f32"/><output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>2</dim><dim>4</dim><dim>4</dim></port></output></layer>
${constLayer(1, 'act/in_lo', 1, [])}
${constLayer(2, 'act/in_hi', 2, [])}
${constLayer(3, 'act/out_lo', 3, [])}
${constLayer(4, 'act/out_hi', 4, [])}
${fq(5, 'act/fq', actRange.levels, x, [])}
${constLayer(6, 'w', 0, [3, 2, 1, 1])}
${constLayer(7, 'w/lo', 5, [3, 1, 1, 1])}
${constLayer(8, 'w/hi', 6, [3, 1, 1, 1])}
${fq(9, 'w/fq', 255, [3, 2, 1, 1], [3, 1, 1, 1])}
<layer id="10" name="conv" type="Convolution" version="opset1"><data strides="1,1" dilations="1,1" pads_begin="0,0" pads_end="0,0" auto_pad="explicit"/><input>${port(0, x)}${port(1, [3, 2, 1, 1])}</input><output><port id="2" precision="FP32" names="y">${y.map((d) => `<dim>${d}</dim>`).join('')}</port></output></layer>
<layer id="11" name="y/sink" type="Result" version="opset1"><input>${port(0, y)}</input></layer>
</layers>
<edges>
<edge from-layer="0" from-port="0" to-layer="5" to-port="0"/>
<edge from-layer="1" from-port="0" to-layer="5" to-port="1"/>
<edge from-layer="2" from-port="0" to-layer="5" to-port="2"/>
<edge from-layer="3" from-port="0" to-layer="5" to-port="3"/>
<edge from-layer="4" from-port="0" to-layer="5" to-port="4"/>
<edge from-layer="6" from-port="0" to-layer="9" to-port="0"/>
<edge from-layer="7" from-port="0" to-layer="9" to-port="1"/>
<edge from-layer="8" from-port="0" to-layer="9" to-port="2"/>
<edge from-layer="7" from-port="0" to-layer="9" to-port="3"/>
<edge from-layer="8" from-port="0" to-layer="9" to-port="4"/>
<edge from-layer="5" from-port="5" to-layer="10" to-port="0"/>
<edge from-layer="9" from-port="5" to-layer="10" to-port="1"/>
<edge from-layer="10" from-port="2" to-layer="11" to-port="0"/>
</edges>
</net>`;

  it('runs and matches the formula computed by hand (engine and ONNX Runtime)', async () => {
    const model = readOpenVino(xml, { weights: bin });
    // Inputs beyond the ranges, so both clamps are exercised.
    const input = randomTensor(x, seededRandom(22), -1.2, 1.2);
    const xs = toFloat32(input);
    const w = toFloat32(weights);
    const qw = Array.from(w, (v, i) => {
      const o = Math.floor(i / 2);
      return fakeQuantize(v, wLo[o]!, wHi[o]!, wLo[o]!, wHi[o]!, 255);
    });
    const qx = Array.from(xs, (v) => fakeQuantize(v, actRange.inLo, actRange.inHi, actRange.outLo, actRange.outHi, actRange.levels));
    expect(new Set(qx).size).toBeLessThanOrEqual(actRange.levels);
    const expected: number[] = [];
    for (let o = 0; o < 3; o++) for (let p = 0; p < 16; p++) expected.push(qw[o * 2]! * qx[p]! + qw[o * 2 + 1]! * qx[16 + p]!);

    const engine = await runEngine(model, { x: input });
    expectClose(engine['y']!, expected, 1e-4, 'engine vs hand-computed FakeQuantize');
    const ort = await runOrt(model, { x: input });
    expectClose(ort['y']!.data, expected, 1e-4, 'ORT on the converted ONNX vs hand-computed FakeQuantize');
    // On weights FakeQuantize folds at load: no quantization op is left to run on them.
    const typed = inferAndFold(model.graph, onnxOpset(model));
    expect(typed.constants.has(model.graph.nodes.find((n) => n.op === 'Conv')!.inputs[1]!)).toBe(true);
  });
});
