// AveragePool (2D): the mean of each window. Attributes as MaxPool (dilations since opset 19)
// plus count_include_pad: whether padding counts in the divisor. A ceil_mode window that reaches
// past the end padding counts only what lies inside the padded input (ONNX Runtime, PyTorch);
// a window over padding only yields 0.
import { attrInt, type Node } from '../../graph.js';
import { float32, toFloat32 } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { nchw, paddedTaps, poolReference, poolScratchBytes, poolWindow, validTaps, windowArgs, type Window2D, type WindowAxis } from './common.js';

function includePad(node: Node): boolean {
  return attrInt(node, 'count_include_pad', 0) !== 0;
}

/** The divisor's factor of one axis, per output position. */
function axisCounts(axis: WindowAxis, countPad: boolean): number[] {
  return Array.from({ length: axis.output }, (_, o) => (countPad ? paddedTaps(axis, o) : validTaps(axis, o)));
}

export function averagePoolReference(x: Float32Array, planes: number, window: Window2D, countPad: boolean): Float32Array {
  const rows = axisCounts(window[0], countPad);
  const columns = axisCounts(window[1], countPad);
  return poolReference(x, planes, window, (taps, oy, ox) => {
    if (taps.length === 0) return 0;
    let sum = 0;
    for (const v of taps) sum += v;
    return sum / (rows[oy]! * columns[ox]!);
  });
}

/** 1 / count per output position; 0 where a window holds no input (its sum is 0 too). */
function reciprocals(axis: WindowAxis, countPad: boolean): Float32Array {
  const valid = axisCounts(axis, false);
  const counts = axisCounts(axis, countPad);
  // Padded to whole vectors: the kernel reads four at a time.
  const out = new Float32Array(Math.ceil(axis.output / 4) * 4);
  counts.forEach((c, o) => (out[o] = valid[o] === 0 ? 0 : 1 / c));
  return out;
}

export const averagePool: OpDef = {
  type: 'AveragePool',
  inferTypes: ({ node, inputs }) => {
    const [n, c, height, width] = nchw(node, inputs[0]!.shape);
    const [h, w] = poolWindow(node, height, width);
    return [{ dtype: inputs[0]!.dtype, shape: [n, c, h.output, w.output] }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const [n, c, height, width] = nchw(node, x.shape);
    const window = poolWindow(node, height, width);
    return [float32([n, c, window[0].output, window[1].output], averagePoolReference(toFloat32(x), n * c, window, includePad(node)))];
  },
  plan: ({ node, inputs }) => {
    const [n, c, height, width] = nchw(node, inputs[0]!.shape);
    const window = poolWindow(node, height, width);
    const countPad = includePad(node);
    return {
      calls: [{ fn: 'averagePool2d', args: [{ input: 0 }, { output: 0 }, 'scratch', { packed: 0 }, { packed: 1 }, ...windowArgs(window)], parallel: n * c }],
      packed: [reciprocals(window[0], countPad), reciprocals(window[1], countPad)],
      scratchBytes: poolScratchBytes(window),
    };
  },
};
