// The elementwise family: broadcast arithmetic, activations and unary math, Softmax, reductions,
// Cast, the comparisons and logic ops, and the small selection ops of shape chains.
import type { OpDef } from '../types.js';
import { elu, hardSigmoid, hardSwish, leakyRelu, relu, selu, sigmoid, softplus, tanh } from './activations.js';
import { add, div, mul, pow, sub } from './arithmetic.js';
import { cast } from './cast.js';
import { clip } from './clip.js';
import { and, equal, greater, greaterOrEqual, less, lessOrEqual, or, xor } from './compare.js';
import { not } from './not.js';
import { prelu } from './prelu.js';
import { reduceMax, reduceMean, reduceSum } from './reduce.js';
import { logSoftmax, softmax } from './softmax.js';
import { abs, ceil, erfOp, exp, floor, neg, reciprocal, round, sqrt } from './unary-math.js';
import { max, min, sum } from './variadic.js';
import { where } from './where.js';

export const elementwiseOps: OpDef[] = [
  add, sub, mul, div, pow, sum, max, min,
  relu, leakyRelu, prelu, elu, selu, sigmoid, tanh, softplus, clip, hardSigmoid, hardSwish,
  exp, sqrt, neg, abs, erfOp, floor, ceil, round, reciprocal,
  softmax, logSoftmax,
  reduceSum, reduceMean, reduceMax,
  cast, equal, less, greater, lessOrEqual, greaterOrEqual, and, or, xor, where, not,
];
