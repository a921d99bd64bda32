// Comparisons and logic with numpy broadcasting, giving bool (int32 0 or 1): Equal, Less, Greater,
// LessOrEqual, GreaterOrEqual on float32 or int32 operands, and And, Or, Xor on bools. Codes match
// COMPARE_CODES in src/nn/ops/elementwise/kernel-plans.ts. One entry point over the output's rows
// with the broadcast layout of binaryStrided (binary.ts); each row is a loop of vectors against
// vectors, or against one splatted value.

import { rowOffset, rowStep, rowWidth } from './broadcast';

export const COMPARE_EQUAL_F32: i32 = 0;
export const COMPARE_LESS_F32: i32 = 1;
export const COMPARE_GREATER_F32: i32 = 2;
export const COMPARE_LESS_EQUAL_F32: i32 = 3;
export const COMPARE_GREATER_EQUAL_F32: i32 = 4;
export const COMPARE_EQUAL_I32: i32 = 5;
export const COMPARE_LESS_I32: i32 = 6;
export const COMPARE_GREATER_I32: i32 = 7;
export const COMPARE_LESS_EQUAL_I32: i32 = 8;
export const COMPARE_GREATER_EQUAL_I32: i32 = 9;
export const LOGICAL_AND: i32 = 10;
export const LOGICAL_OR: i32 = 11;
export const LOGICAL_XOR: i32 = 12;

/** All ones where the relation holds (bools: the combined 0/1 values). */
@inline function holds4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case COMPARE_EQUAL_F32: return f32x4.eq(a, b);
    case COMPARE_LESS_F32: return f32x4.lt(a, b);
    case COMPARE_GREATER_F32: return f32x4.gt(a, b);
    case COMPARE_LESS_EQUAL_F32: return f32x4.le(a, b);
    case COMPARE_GREATER_EQUAL_F32: return f32x4.ge(a, b);
    case COMPARE_EQUAL_I32: return i32x4.eq(a, b);
    case COMPARE_LESS_I32: return i32x4.lt_s(a, b);
    case COMPARE_GREATER_I32: return i32x4.gt_s(a, b);
    case COMPARE_LESS_EQUAL_I32: return i32x4.le_s(a, b);
    case COMPARE_GREATER_EQUAL_I32: return i32x4.ge_s(a, b);
    // Bools are 0 or 1, but a bool input may hold any nonzero value: normalise first.
    case LOGICAL_AND: return v128.and(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
    case LOGICAL_OR: return v128.or(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
    default: return v128.xor(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
  }
}

/** y[i] = a[i] op b[i] over one row of n; aVector/bVector false: that operand is one value, splatted. */
@inline function row(op: i32, a: usize, aVector: bool, b: usize, bVector: bool, y: usize, n: i32): void {
  const one = i32x4.splat(1);
  const aOne = v128.load32_splat(a);
  const bOne = v128.load32_splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i << 2;
    const va = aVector ? v128.load(a + p) : aOne;
    const vb = bVector ? v128.load(b + p) : bOne;
    v128.store(y + p, v128.and(holds4(op, va, vb), one));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    const va = aVector ? v128.load32_splat(a + p) : aOne;
    const vb = bVector ? v128.load32_splat(b + p) : bOne;
    v128.store32_lane(y + p, v128.and(holds4(op, va, vb), one), 0);
  }
}

@inline function rows(op: i32, a: usize, b: usize, y: usize, layout: usize, rank: i32, begin: i32, end: i32): void {
  const width = rowWidth(layout, rank);
  const aStep = rowStep(layout, rank, 1);
  const bStep = rowStep(layout, rank, 2);
  for (let r = begin; r < end; r++) {
    const ap = a + (<usize>rowOffset(layout, rank, r, 1) << 2);
    const bp = b + (<usize>rowOffset(layout, rank, r, 2) << 2);
    const yp = y + ((<usize>r * <usize>width) << 2);
    if (aStep != 0 && bStep != 0) row(op, ap, true, bp, true, yp, width);
    else if (aStep != 0) row(op, ap, true, bp, false, yp, width);
    else if (bStep != 0) row(op, ap, false, bp, true, yp, width);
    else row(op, ap, false, bp, false, yp, width);
  }
}

/**
 * Rows [begin, end) of y = a op b. `layout` holds rank i32 output dims, then rank strides of a,
 * then rank strides of b, in elements (0 along a broadcast dimension; the last dimension's are 1
 * or 0). The op's switch is folded into one specialised copy of the loops per op.
 */
export function compare(op: i32, a: usize, b: usize, y: usize, layout: usize, rank: i32, begin: i32, end: i32): void {
  switch (op) {
    case COMPARE_EQUAL_F32: rows(COMPARE_EQUAL_F32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_LESS_F32: rows(COMPARE_LESS_F32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_GREATER_F32: rows(COMPARE_GREATER_F32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_LESS_EQUAL_F32: rows(COMPARE_LESS_EQUAL_F32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_GREATER_EQUAL_F32: rows(COMPARE_GREATER_EQUAL_F32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_EQUAL_I32: rows(COMPARE_EQUAL_I32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_LESS_I32: rows(COMPARE_LESS_I32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_GREATER_I32: rows(COMPARE_GREATER_I32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_LESS_EQUAL_I32: rows(COMPARE_LESS_EQUAL_I32, a, b, y, layout, rank, begin, end); break;
    case COMPARE_GREATER_EQUAL_I32: rows(COMPARE_GREATER_EQUAL_I32, a, b, y, layout, rank, begin, end); break;
    case LOGICAL_AND: rows(LOGICAL_AND, a, b, y, layout, rank, begin, end); break;
    case LOGICAL_OR: rows(LOGICAL_OR, a, b, y, layout, rank, begin, end); break;
    default: rows(LOGICAL_XOR, a, b, y, layout, rank, begin, end);
  }
}
