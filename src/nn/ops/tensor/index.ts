// The tensor family: data movement (Concat, Split, Slice, Transpose, Tile, Gather, Expand),
// zero-copy reshapes (Reshape, Flatten, Squeeze, Unsqueeze) and the shape ops exporters chain
// together (Constant, ConstantOfShape, Shape, Size, Range), which constant folding computes at load.
import type { OpDef } from '../types.js';
import { concat } from './concat.js';
import { constant } from './constant.js';
import { constantOfShape } from './constant-of-shape.js';
import { expand } from './expand.js';
import { flatten } from './flatten.js';
import { gather } from './gather.js';
import { range } from './range.js';
import { reshape } from './reshape.js';
import { shape } from './shape.js';
import { size } from './size.js';
import { slice } from './slice.js';
import { split } from './split.js';
import { squeeze } from './squeeze.js';
import { tile } from './tile.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';

export const tensorOps: OpDef[] = [
  concat, split, slice, transpose, tile, gather, expand,
  reshape, flatten, squeeze, unsqueeze,
  constant, constantOfShape, shape, size, range,
];
