// The shape of every one-input elementwise op: output type = input type; the reference maps each
// value (floating-point in double, rounded to the dtype; integers exactly, for the ops defined on
// them); float32 runs the `unary` kernel with the op's two parameters.
import { UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../graph.js';
import { isFloatType } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { exactValues, fromExact } from './common.js';
import { allFloat32, unaryPlan, type UnaryKernel } from './kernel-plans.js';

export interface UnarySpec {
  type: string;
  kernel: UnaryKernel;
  /** The op's parameters from its attributes (defaults applied); passed to `float` and the kernel. */
  params?: (node: Node) => [number, number];
  float: (x: number, p0: number, p1: number) => number;
  /** The op on integer values, for the ops ONNX defines on integers. */
  integer?: (x: bigint) => bigint;
}

export function unaryOp({ type, kernel, params = () => [0, 0], float, integer }: UnarySpec): OpDef {
  return {
    type,
    inferTypes: ({ node, inputs }) => {
      const x = inputs[0]!;
      if (!isFloatType(x.dtype) && integer === undefined) throw new UnsupportedOpError(`${type} node '${node.name}': input type ${x.dtype} is not supported (floating-point only)`);
      return [x];
    },
    reference: ({ node, inputs }) => {
      const x = inputs[0]!;
      const values = exactValues(x);
      if (isFloatType(x.dtype)) {
        const [p0, p1] = params(node);
        return [fromExact(x.dtype, x.shape, (values as number[]).map((v) => float(v, p0, p1)))];
      }
      if (integer === undefined) throw new UnsupportedOpError(`${type} node '${node.name}': input type ${x.dtype} is not supported (floating-point only)`);
      return [fromExact(x.dtype, x.shape, (values as bigint[]).map(integer))];
    },
    plan: ({ node, inputs, outputs }) => (allFloat32([...inputs, ...outputs]) ? unaryPlan(kernel, outputs[0]!, ...params(node)) : undefined),
  };
}
