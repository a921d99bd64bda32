// The ONNX project's own backend test cases (../shared/conformance/onnx): each model runs on the
// engine and must match the expected outputs within the ONNX defaults (rtol 1e-3, atol 1e-7;
// atol 1e-5 for float32 convolution cases, whose summation order differs from PyTorch's).
// 1D/3D and sequence cases are outside a 2D-vision engine and are skipped with the reason, as
// are cases needing an op the engine does not implement; the 2D convolution, pooling,
// batch-norm and activation cases may never be skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../src/nn/errors.js';
import { readOnnx } from '../src/nn/formats/onnx/reader.js';
import { readTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { runtimeInputs } from '../src/nn/graph.js';
import { hasOp } from '../src/nn/ops/registry.js';
import { Session } from '../src/nn/session.js';
import { isFloatType, toFloat32, toNumbers, type Tensor } from '../src/nn/tensor.js';

const ROOT = resolve(import.meta.dirname, '../../shared/conformance/onnx');
const SUITES = ['pytorch-converted', 'pytorch-operator'];

/** Cases of dimensionality a 2D engine does not run. */
const OUT_OF_SCOPE = /(1d|3d|Embedding|PoissonNLLL|_gpu_input)/i;
/** Cases that must pass. */
const MUST_PASS = /^test_(Conv2d|ConvTranspose2d|AvgPool2d|MaxPool2d|BatchNorm2d|ReLU|ELU|LeakyReLU|PReLU_2d|SELU|Sigmoid|Softmax|Softplus|Tanh|LogSoftmax|operator_(conv|convtranspose|maxpool|clip|selu))/;

interface Case {
  suite: string;
  name: string;
  dir: string;
}

function listCases(): Case[] {
  if (!existsSync(ROOT)) return [];
  return SUITES.flatMap((suite) =>
    readdirSync(join(ROOT, suite))
      .filter((name) => existsSync(join(ROOT, suite, name, 'model.onnx')))
      .map((name) => ({ suite, name, dir: join(ROOT, suite, name) })),
  );
}

function readCaseTensors(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const set = join(dir, 'test_data_set_0');
  const files = readdirSync(set).filter((f) => f.startsWith(`${prefix}_`)).sort((a, b) => parseInt(a.slice(prefix.length + 1)) - parseInt(b.slice(prefix.length + 1)));
  return files.map((f) => readTensorProto(readFileSync(join(set, f))).tensor);
}

/** Why a case is skipped, or undefined when it runs. */
async function skipReason(c: Case): Promise<string | undefined> {
  if (OUT_OF_SCOPE.test(c.name)) return '1D/3D or non-vision case, outside a 2D engine';
  const model = readOnnx(readFileSync(join(c.dir, 'model.onnx')));
  const missing = [...new Set(model.graph.nodes.map((n) => n.op).filter((op) => !hasOp(op)))];
  if (missing.length > 0) return `op ${missing.join(', ')} not implemented`;
  const inputs = readCaseTensors(c.dir, 'input');
  const FLOAT32_MAX = 3.4028234663852886e38;
  const beyondFloat32 = [...inputs, ...readCaseTensors(c.dir, 'output')].some((t) => t.dtype === 'float64' && toNumbers(t).some((v) => Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX));
  if (beyondFloat32) return 'float64 data beyond float32 range (the engine computes in float32)';
  // A 1D or 3D use of a 2D op (e.g. MaxPool over [N, C, L]) is refused at load: out of scope.
  const names = runtimeInputs(model.graph).map((i) => i.name);
  try {
    (await Session.create(model, { inputShapes: Object.fromEntries(names.map((n, i) => [n, [...inputs[i]!.shape]])) })).dispose();
  } catch (e) {
    if (e instanceof UnsupportedOpError && /only 2D|rank 4/.test(e.message)) return `1D/3D use of a 2D op: ${e.message}`;
  }
  return undefined;
}

const cases = listCases();
const skipped: string[] = [];
let passed = 0;

describe.skipIf(cases.length === 0)('ONNX conformance', async () => {
  if (cases.length === 0) console.warn(`conformance: skipped, ${ROOT} is absent`);
  const reasons = await Promise.all(cases.map(skipReason));
  cases.forEach((c, index) => {
    const reason = reasons[index];
    if (reason !== undefined) {
      skipped.push(`${c.suite}/${c.name}: ${reason}`);
      it.skip(`${c.suite}/${c.name} (${reason})`, () => {});
      if (MUST_PASS.test(c.name) && !reason.startsWith('1D/3D')) it(`${c.name} is a required case`, () => expect.fail(`required case skipped: ${reason}`));
      return;
    }
    it(`${c.suite}/${c.name}`, async () => {
      const model = readOnnx(readFileSync(join(c.dir, 'model.onnx')));
      const inputs = readCaseTensors(c.dir, 'input');
      const expected = readCaseTensors(c.dir, 'output');
      const names = runtimeInputs(model.graph).map((i) => i.name);
      const inputShapes = Object.fromEntries(names.map((n, i) => [n, [...inputs[i]!.shape]]));
      const session = await Session.create(model, { inputShapes });
      const feeds = Object.fromEntries(names.map((n, i) => [n, isFloatType(inputs[i]!.dtype) ? toFloat32(inputs[i]!) : Int32Array.from(toNumbers(inputs[i]!))]));
      const outputs = session.run(feeds);
      const atol = /conv/i.test(c.name) ? 1e-5 : 1e-7;
      model.graph.outputs.forEach((o, i) => {
        const got = outputs[o.name]!;
        const want = toNumbers(expected[i]!);
        expect(got.shape).toEqual([...expected[i]!.shape]);
        let worst = 0;
        for (let j = 0; j < want.length; j++) {
          const g = got.data[j]!;
          const w = want[j]!;
          // Equal values (infinities included) and NaN against NaN match, as numpy's allclose says.
          if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
          const excess = Math.abs(g - w) - (atol + 1e-3 * Math.abs(w));
          worst = Number.isNaN(excess) ? Infinity : Math.max(worst, excess);
        }
        expect(worst, `output ${o.name} exceeds rtol 1e-3 / atol ${atol} by ${worst}`).toBeLessThanOrEqual(0);
      });
      passed++;
    });
  });
  afterAll(() => {
    for (const s of skipped) console.log(`  skipped ${s}`);
    console.log(`conformance: ${passed} passed, ${skipped.length} skipped`);
  });
});

