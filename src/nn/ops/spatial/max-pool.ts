// MaxPool (2D): the largest input in each window; padding never wins. Attributes: kernel_shape,
// strides, pads or auto_pad, dilations, ceil_mode (see poolWindow). The optional Indices output
// is refused. The kernel works on one channel plane at a time (split over N*C planes); windows
// of 2x2 stride 2 without padding have a kernel of their own. Integer (quantized) inputs run the
// reference.
import type { Node } from '../../graph.js';
import { float32, fromNumbers, toFloat32, toNumbers } from '../../tensor.js';
import { quantRange } from '../quant/common.js';
import type { OpDef } from '../types.js';
import { nchw, poolReference, poolScratchBytes, poolWindow, refuseExtraOutputs, windowArgs, type Window2D } from './common.js';

/** What a window covering only padding yields (ONNX Runtime's numeric_limits<float>::lowest()). */
export const LOWEST_FLOAT = -3.4028234663852886e38;

/** storage_order only shapes the Indices output, which is refused, so it is ignored. */
function checkAttributes(node: Node): void {
  refuseExtraOutputs(node, 'Indices');
}

export function maxPoolReference(x: Float32Array, planes: number, window: Window2D): Float32Array {
  return poolReference(x, planes, window, (taps) => taps.reduce((best, v) => Math.max(best, v), LOWEST_FLOAT));
}

export const maxPool: OpDef = {
  type: 'MaxPool',
  inferTypes: ({ node, inputs }) => {
    checkAttributes(node);
    const [n, c, height, width] = nchw(node, inputs[0]!.shape);
    const [h, w] = poolWindow(node, height, width);
    return [{ dtype: inputs[0]!.dtype, shape: [n, c, h.output, w.output] }];
  },
  reference: ({ node, inputs }) => {
    checkAttributes(node);
    const x = inputs[0]!;
    const [n, c, height, width] = nchw(node, x.shape);
    const window = poolWindow(node, height, width);
    const shape = [n, c, window[0].output, window[1].output];
    if (x.dtype === 'float32') return [float32(shape, maxPoolReference(toFloat32(x), n * c, window))];
    // Quantized integers (passes/qdq-to-qlinear.ts), exact in float32: a window of padding only is the type's least value.
    const [lo] = quantRange(x.dtype, `MaxPool node '${node.name}'`);
    return [fromNumbers(x.dtype, shape, Array.from(maxPoolReference(Float32Array.from(toNumbers(x)), n * c, window), (v) => Math.max(v, lo)))];
  },
  plan: ({ node, inputs }) => {
    // The kernels compare floats: integer inputs take the host path (the reference).
    if (inputs[0]!.dtype !== 'float32') return undefined;
    const [n, c, height, width] = nchw(node, inputs[0]!.shape);
    const window = poolWindow(node, height, width);
    const [h, w] = window;
    const planes = n * c;
    const plain2x2 = h.kernel === 2 && w.kernel === 2 && h.stride === 2 && w.stride === 2 && h.dilation === 1 && w.dilation === 1 && h.padBegin === 0 && w.padBegin === 0;
    if (plain2x2) {
      return { calls: [{ fn: 'maxPool2x2Stride2', args: [{ input: 0 }, { output: 0 }, height, width, h.output, w.output], parallel: planes }] };
    }
    return {
      calls: [{ fn: 'maxPool2d', args: [{ input: 0 }, { output: 0 }, 'scratch', ...windowArgs(window)], parallel: planes }],
      scratchBytes: poolScratchBytes(window),
    };
  },
};
