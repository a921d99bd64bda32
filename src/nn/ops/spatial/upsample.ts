// Upsample (deprecated since opset 10 in favour of Resize): scales as an attribute (opset 7) or
// input 1 (opset 9), modes nearest and linear ('bilinear' accepted), asymmetric coordinates,
// nearest rounding down (up when shrinking), as ONNX Runtime does. Only H and W may be scaled.
import { attrFloats, attrString, type Node } from '../../graph.js';
import { float32, toFloat32, toNumbers } from '../../tensor.js';
import { UnsupportedOpError } from '../../errors.js';
import type { OpDef } from '../types.js';
import { constantValues, where } from './common.js';
import { interpolationMode, resolveScaling, scaleImage, scaleImagePlan, type Sampling, type Scaling } from './interpolation.js';

function sampling(node: Node): Sampling {
  const mode = interpolationMode(node, attrString(node, 'mode', 'nearest'));
  if (mode === 'cubic') throw new UnsupportedOpError(`${where(node)}: mode 'cubic' is not an Upsample mode`);
  return { mode, coordinates: 'asymmetric', nearest: 'simple', cubicA: -0.75, excludeOutside: false };
}

function scaling(node: Node, shape: readonly number[], input: () => number[]): Scaling {
  const attr = attrFloats(node, 'scales');
  if (attr === undefined && node.inputs.length < 2) {
    throw new UnsupportedOpError(`${where(node)}: no scales (the opset 1 form with height_scale and width_scale is not supported)`);
  }
  return resolveScaling(node, shape, attr ?? input(), undefined);
}

export const upsample: OpDef = {
  type: 'Upsample',
  inferTypes: ({ node, inputs, constants }) => {
    sampling(node);
    const x = inputs[0]!;
    return [{ dtype: x.dtype, shape: [...scaling(node, x.shape, () => constantValues(node, constants[1], 1, 'scales')).outShape] }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const s = scaling(node, x.shape, () => toNumbers(inputs[1]!));
    return [float32(s.outShape, scaleImage(toFloat32(x), x.shape, sampling(node), s))];
  },
  plan: ({ node, inputs, constants }) => {
    const x = inputs[0]!;
    return scaleImagePlan(x.shape, sampling(node), scaling(node, x.shape, () => constantValues(node, constants[1], 1, 'scales')));
  },
};
