// Sum, Max, Min over any number of inputs, all broadcast together (numpy rules from opset 8;
// earlier opsets required equal shapes, which broadcasting includes). Reference on every dtype;
// float32 runs as a chain of binary kernel calls: y = x0 op x1, then y = y op x2, ...
import { UnsupportedOpError } from '../../errors.js';
import { isFloatType, type DType } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { broadcastShapes, checkSameDType, mapBroadcast } from './common.js';
import { binaryChainPlan, type BinaryKernel } from './kernel-plans.js';

type Fold = (acc: number | bigint, v: number | bigint) => number | bigint;

function variadic(type: string, kernel: BinaryKernel, float: (a: number, b: number) => number, integer: (a: bigint, b: bigint) => bigint): OpDef {
  const fold = (dtype: DType): Fold =>
    isFloatType(dtype) ? (acc, v) => float(acc as number, v as number) : (acc, v) => integer(acc as bigint, v as bigint);
  return {
    type,
    inferTypes: ({ node, inputs }) => {
      const present = inputs.filter((t) => t !== undefined);
      if (present.length === 0) throw new UnsupportedOpError(`${type} node '${node.name}' has no inputs`);
      checkSameDType(node, present.map((t) => t.dtype));
      return [{ dtype: present[0]!.dtype, shape: broadcastShapes(node, present.map((t) => t.shape)) }];
    },
    reference: ({ node, inputs }) => {
      const present = inputs.filter((t) => t !== undefined);
      checkSameDType(node, present.map((t) => t.dtype));
      const f = fold(present[0]!.dtype);
      return [mapBroadcast(node, present, present[0]!.dtype, (values) => values.reduce(f))];
    },
    plan: ({ inputs, outputs }) => (inputs.every((t) => t !== undefined) ? binaryChainPlan(kernel, inputs, outputs[0]!) : undefined),
  };
}

export const sum = variadic('Sum', 'Add', (a, b) => a + b, (a, b) => a + b);
export const max = variadic('Max', 'Max', Math.max, (a, b) => (a > b ? a : b));
export const min = variadic('Min', 'Min', Math.min, (a, b) => (a < b ? a : b));
