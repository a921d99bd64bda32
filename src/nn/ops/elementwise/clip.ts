// Clip: y = min(max(x, min), max). Before opset 11 the bounds are float attributes; from 11 they
// are optional scalar inputs 1 and 2 (from 12 integer types too). An absent bound is the type's
// lowest/highest finite value, as ONNX Runtime takes it (so Clip(-inf) without min is -FLT_MAX).
// With min > max every value becomes max.
import { ShapeError } from '../../errors.js';
import { attrFloat, type Node } from '../../graph.js';
import { sizeOf, type DType, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { exactValues, fromExact } from './common.js';
import { allFloat32, unaryPlan } from './kernel-plans.js';

const FLOAT_LIMITS: Partial<Record<DType, number>> = { float16: 65504, float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };

/** A bound given as an input: one value. */
function boundValue(node: Node, t: Tensor | undefined, which: string): number | bigint | undefined {
  if (t === undefined) return undefined;
  if (sizeOf(t.shape) !== 1) throw new ShapeError(`Clip node '${node.name}': ${which} must be a scalar, got shape [${t.shape.join(', ')}]`);
  return exactValues(t)[0]!;
}

/** The bounds [min, max]; undefined where a bound is absent. */
function bounds(node: Node, opset: number, dtype: DType, min: Tensor | undefined, max: Tensor | undefined): [number | bigint | undefined, number | bigint | undefined] {
  if (opset < 11) {
    const limit = FLOAT_LIMITS[dtype] ?? Infinity;
    return [attrFloat(node, 'min', -limit), attrFloat(node, 'max', limit)];
  }
  return [boundValue(node, min, 'min'), boundValue(node, max, 'max')];
}

export const clip: OpDef = {
  type: 'Clip',
  inferTypes: ({ node, opset, inputs }) => {
    for (const [i, which] of [[1, 'min'], [2, 'max']] as const) {
      const t = opset >= 11 ? inputs[i] : undefined;
      if (t !== undefined && sizeOf(t.shape) !== 1) throw new ShapeError(`Clip node '${node.name}': ${which} must be a scalar, got shape [${t.shape.join(', ')}]`);
    }
    return [inputs[0]!];
  },
  reference: ({ node, opset, inputs }) => {
    const x = inputs[0]!;
    const [lo, hi] = bounds(node, opset, x.dtype, inputs[1], inputs[2]);
    const limit = FLOAT_LIMITS[x.dtype];
    const clamp = (v: number | bigint): number | bigint => {
      // Absent float bounds are the dtype's finite limits; absent integer bounds clip nothing.
      const low = lo ?? (limit === undefined ? v : -limit);
      const high = hi ?? (limit === undefined ? v : limit);
      const raised = v < low ? low : v;
      return raised > high ? high : raised;
    };
    return [fromExact(x.dtype, x.shape, exactValues(x).map(clamp))];
  },
  plan: ({ node, opset, inputs, outputs, constants }) => {
    if (!allFloat32([...inputs, ...outputs])) return undefined;
    // Bounds computed at run time would need reading from memory: those run on the host.
    if (opset >= 11 && ((inputs[1] !== undefined && constants[1] === undefined) || (inputs[2] !== undefined && constants[2] === undefined))) return undefined;
    const limit = FLOAT_LIMITS.float32!;
    const [lo, hi] = bounds(node, opset, 'float32', constants[1], constants[2]);
    return unaryPlan('Clip', outputs[0]!, lo === undefined ? -limit : Number(lo), hi === undefined ? limit : Number(hi));
  },
};
