// One op on seeded inputs, the form most kernel and golden tests take: run-time float inputs
// x0, x1, ..., then constant inputs c0, c1, ... (undefined marks an omitted optional input),
// outputs y (or y0, y1, ... when a count is given).
import type { Attr, Model } from '../../src/nn/graph.js';
import type { DType, Tensor } from '../../src/nn/tensor.js';
import { randomTensor, seededRandom, singleNodeModel } from './harness.js';

export interface OpCase {
  name?: string;
  op: string;
  /** Shapes of the run-time float inputs x0, x1, ... */
  data: number[][];
  /** Value range of the run-time inputs (all, or one per input); [-1, 1) by default. */
  range?: [number, number] | [number, number][];
  /** Constant inputs after them (undefined: an omitted optional input). */
  constants?: (Tensor | undefined)[];
  attrs?: Record<string, Attr>;
  /** Number of outputs, named y0, y1, ...; one output named y when absent. */
  outputs?: number;
  /** dtype of the outputs, float32 unless given. */
  outputType?: DType;
  opset?: number;
}

export function opCaseModel(c: OpCase): Model {
  const initializers: Record<string, Tensor> = {};
  const inputs = c.data.map((shape, i) => ({ name: `x${i}`, dtype: 'float32' as DType, shape }));
  (c.constants ?? []).forEach((t, i) => {
    if (t === undefined) {
      inputs.push({ name: '', dtype: 'float32', shape: [] });
      return;
    }
    initializers[`c${i}`] = t;
    inputs.push({ name: `c${i}`, dtype: t.dtype, shape: [...t.shape] });
  });
  const outputs = c.outputs === undefined ? ['y'] : Array.from({ length: c.outputs }, (_, i) => `y${i}`);
  const model = singleNodeModel({ op: c.op, inputs, outputs, attrs: c.attrs, initializers, opset: c.opset });
  // singleNodeModel lists every input; an omitted optional one is '' in the node only.
  model.graph.inputs = model.graph.inputs.filter((i) => i.name !== '');
  for (const o of model.graph.outputs) o.dtype = c.outputType ?? 'float32';
  model.graph.name = `${c.op}: ${c.name ?? ''}`;
  return model;
}

export function opCaseFeeds(c: OpCase, seed: number): Record<string, Tensor> {
  const rng = seededRandom(seed);
  return Object.fromEntries(
    c.data.map((shape, i) => {
      const range = c.range === undefined ? [-1, 1] : typeof c.range[0] === 'number' ? (c.range as [number, number]) : (c.range as [number, number][])[i]!;
      return [`x${i}`, randomTensor(shape, rng, range[0], range[1])];
    }),
  );
}
