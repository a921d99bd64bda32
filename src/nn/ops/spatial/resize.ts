// Resize (2D: only H and W may change). Opset 10: inputs X, scales; asymmetric coordinates and
// Upsample's nearest rounding. Opset 11+: inputs X, roi, scales, sizes (one of the last two),
// with coordinate_transformation_mode (half_pixel, asymmetric, pytorch_half_pixel, align_corners,
// tf_half_pixel_for_nn, half_pixel_symmetric), nearest_mode, cubic_coeff_a and exclude_outside;
// opset 18 adds the axes attribute. Modes nearest, linear (bilinear) and cubic (bicubic).
// tf_crop_and_resize (the only user of roi), antialias and keep_aspect_ratio_policy are refused.
import { UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInt, attrInts, attrString, type Node } from '../../graph.js';
import { float32, toFloat32, toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { constantValues, where } from './common.js';
import { coordinateMode, interpolationMode, nearestMode, resolveScaling, scaleImage, scaleImagePlan, type Sampling, type Scaling } from './interpolation.js';

/** Resize-10 has two inputs (X, scales); later versions put roi, scales and sizes at 1, 2, 3. */
function isOpset10Form(node: Node): boolean {
  return node.inputs.length === 2;
}

function sampling(node: Node): Sampling {
  const mode = interpolationMode(node, attrString(node, 'mode', 'nearest'));
  if (isOpset10Form(node)) return { mode, coordinates: 'asymmetric', nearest: 'simple', cubicA: -0.75, excludeOutside: false };
  if (attrInt(node, 'antialias', 0) !== 0) throw new UnsupportedOpError(`${where(node)}: antialias is not supported`);
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') throw new UnsupportedOpError(`${where(node)}: keep_aspect_ratio_policy '${policy}' is not supported`);
  return {
    mode,
    coordinates: coordinateMode(node, attrString(node, 'coordinate_transformation_mode', 'half_pixel')),
    nearest: nearestMode(node, attrString(node, 'nearest_mode', 'round_prefer_floor')),
    cubicA: attrFloat(node, 'cubic_coeff_a', -0.75),
    excludeOutside: attrInt(node, 'exclude_outside', 0) !== 0,
  };
}

/** Values given for the axes attribute's axes only (opset 18) spread over all four axes. */
function spread(node: Node, values: number[] | undefined, shape: readonly number[], fill: (axis: number) => number): number[] | undefined {
  const axes = attrInts(node, 'axes');
  if (values === undefined || axes === undefined) return values;
  if (axes.length !== values.length) throw new UnsupportedOpError(`${where(node)}: ${values.length} values for axes [${axes.join(', ')}]`);
  const full = shape.map((_, a) => fill(a));
  axes.forEach((a, i) => (full[a < 0 ? a + shape.length : a] = values[i]!));
  return full;
}

/** `value(i)` gives input i's numbers, or undefined when it is omitted (or empty). */
function scaling(node: Node, shape: readonly number[], value: (index: number) => number[] | undefined): Scaling {
  if (isOpset10Form(node)) return resolveScaling(node, shape, value(1), undefined);
  const scales = spread(node, value(2), shape, () => 1);
  const sizes = spread(node, value(3), shape, (a) => shape[a]!);
  return resolveScaling(node, shape, scales, sizes);
}

function present(node: Node, index: number): boolean {
  return node.inputs[index] !== undefined && node.inputs[index] !== '';
}

function nonEmpty(values: number[] | undefined): number[] | undefined {
  return values === undefined || values.length === 0 ? undefined : values;
}

export const resize: OpDef = {
  type: 'Resize',
  inferTypes: ({ node, inputs, constants }) => {
    sampling(node);
    const x = inputs[0]!;
    const s = scaling(node, x.shape, (i) => (present(node, i) ? nonEmpty(constantValues(node, constants[i], i, i === 3 ? 'sizes' : 'scales')) : undefined));
    return [{ dtype: x.dtype, shape: [...s.outShape] }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const s = scaling(node, x.shape, (i) => nonEmpty(inputs[i] === undefined ? undefined : toNumbers(inputs[i] as Tensor)));
    return [float32(s.outShape, scaleImage(toFloat32(x), x.shape, sampling(node), s))];
  },
  plan: ({ node, inputs, constants }) => {
    const x = inputs[0]!;
    const s = scaling(node, x.shape, (i) => (present(node, i) ? nonEmpty(constantValues(node, constants[i], i, i === 3 ? 'sizes' : 'scales')) : undefined));
    return scaleImagePlan(x.shape, sampling(node), s);
  },
};
