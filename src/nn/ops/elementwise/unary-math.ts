// The one-input math ops: Exp, Sqrt, Neg, Abs, Erf, Floor, Ceil, Round (half to even, as ONNX
// says), Reciprocal.
import { unaryOp } from './unary.js';

/**
 * erf(x) = 1 - erfc(x), erfc by Numerical Recipes' erfcc (Chebyshev fit, fractional error below
 * 1.2e-7 everywhere): erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2), for z = |x|.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const p =
    -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-z * z + p);
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/** Rounds to the nearest integer, halves to the even neighbour (2.5 -> 2, 3.5 -> 4). */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export const exp = unaryOp({ type: 'Exp', kernel: 'Exp', float: Math.exp });
export const sqrt = unaryOp({ type: 'Sqrt', kernel: 'Sqrt', float: Math.sqrt });
export const neg = unaryOp({ type: 'Neg', kernel: 'Neg', float: (x) => -x, integer: (x) => -x });
export const abs = unaryOp({ type: 'Abs', kernel: 'Abs', float: Math.abs, integer: (x) => (x < 0n ? -x : x) });
export const erfOp = unaryOp({ type: 'Erf', kernel: 'Erf', float: erf });
export const floor = unaryOp({ type: 'Floor', kernel: 'Floor', float: Math.floor });
export const ceil = unaryOp({ type: 'Ceil', kernel: 'Ceil', float: Math.ceil });
export const round = unaryOp({ type: 'Round', kernel: 'Round', float: roundHalfToEven });
export const reciprocal = unaryOp({ type: 'Reciprocal', kernel: 'Reciprocal', float: (x) => 1 / x });
