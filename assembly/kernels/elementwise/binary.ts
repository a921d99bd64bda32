// Binary float32 arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Max, Min (also the
// steps of variadic Sum/Max/Min) and PRelu. Op codes match BINARY_CODES in
// src/nn/ops/elementwise/binary-plan.ts. Four entry points, from fastest to most general:
//   binarySame     both operands have the output's shape (a range of elements),
//   binaryScalar   one operand is a single value (a range of elements),
//   binaryChannel  one value per row of the output, e.g. a [C,1,1] bias on NCHW (a range of rows),
//   binaryStrided  any broadcast, over the output's rows with per-dimension operand strides.
// Each row of the general case reduces to one of the fast loops, and every loop is specialised
// per op: the dispatchers switch once per call or row, never per element.

import { rowOffset, rowStep, rowWidth } from './broadcast';

export const BINARY_ADD: i32 = 0;
export const BINARY_SUB: i32 = 1;
export const BINARY_MUL: i32 = 2;
export const BINARY_DIV: i32 = 3;
export const BINARY_POW: i32 = 4;
export const BINARY_MAX: i32 = 5;
export const BINARY_MIN: i32 = 6;
/** a < 0 ? a * b : a (b is the slope). */
export const BINARY_PRELU: i32 = 7;

@inline function apply4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BINARY_ADD: return f32x4.add(a, b);
    case BINARY_SUB: return f32x4.sub(a, b);
    case BINARY_MUL: return f32x4.mul(a, b);
    case BINARY_DIV: return f32x4.div(a, b);
    case BINARY_POW: {
      // No vector pow: four scalar calls (Pow with a tensor exponent is rare in vision models).
      let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
      r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
      r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
      return f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
    }
    case BINARY_MAX: return f32x4.max(a, b);
    case BINARY_MIN: return f32x4.min(a, b);
    default: return v128.bitselect(f32x4.mul(a, b), a, f32x4.lt(a, f32x4.splat(0)));
  }
}

@inline function apply1(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    case BINARY_DIV: return a / b;
    case BINARY_POW: return Mathf.pow(a, b);
    case BINARY_MAX: return max<f32>(a, b);
    case BINARY_MIN: return min<f32>(a, b);
    default: return a < 0 ? a * b : a;
  }
}

/** y[i] = a[i] op b[i] for i < n. */
@inline function loopSame(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = <usize>i << 2;
    v128.store(y + p, apply4(op, v128.load(a + p), v128.load(b + p)));
    v128.store(y + p, apply4(op, v128.load(a + p, 16), v128.load(b + p, 16)), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, apply4(op, v128.load(a + p), v128.load(b + p)));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, apply1(op, load<f32>(a + p), load<f32>(b + p)));
  }
}

/** y[i] = a[i] op s, or s op a[i] when scalarFirst, for i < n. */
@inline function loopScalar(op: i32, a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void {
  const sv = f32x4.splat(s);
  let i = 0;
  if (scalarFirst) {
    for (; i + 4 <= n; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, apply4(op, sv, v128.load(a + p)));
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(y + p, apply1(op, s, load<f32>(a + p)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, apply4(op, v128.load(a + p), sv));
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(y + p, apply1(op, load<f32>(a + p), s));
    }
  }
}

// One function per op and loop, each with the op code a constant inside it, so the optimiser
// folds the op's switch away (a shared loop with the code in a local keeps a branch per vector).
function addSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_ADD, a, b, y, n); }
function addScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_ADD, a, s, y, n, scalarFirst); }
function subSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_SUB, a, b, y, n); }
function subScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_SUB, a, s, y, n, scalarFirst); }
function mulSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_MUL, a, b, y, n); }
function mulScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_MUL, a, s, y, n, scalarFirst); }
function divSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_DIV, a, b, y, n); }
function divScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_DIV, a, s, y, n, scalarFirst); }
function powSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_POW, a, b, y, n); }
function powScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_POW, a, s, y, n, scalarFirst); }
function maxSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_MAX, a, b, y, n); }
function maxScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_MAX, a, s, y, n, scalarFirst); }
function minSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_MIN, a, b, y, n); }
function minScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_MIN, a, s, y, n, scalarFirst); }
function preluSame(a: usize, b: usize, y: usize, n: i32): void { loopSame(BINARY_PRELU, a, b, y, n); }
function preluScalar(a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void { loopScalar(BINARY_PRELU, a, s, y, n, scalarFirst); }

function same(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  switch (op) {
    case BINARY_ADD: addSame(a, b, y, n); break;
    case BINARY_SUB: subSame(a, b, y, n); break;
    case BINARY_MUL: mulSame(a, b, y, n); break;
    case BINARY_DIV: divSame(a, b, y, n); break;
    case BINARY_POW: powSame(a, b, y, n); break;
    case BINARY_MAX: maxSame(a, b, y, n); break;
    case BINARY_MIN: minSame(a, b, y, n); break;
    default: preluSame(a, b, y, n);
  }
}

function withScalar(op: i32, a: usize, s: f32, y: usize, n: i32, scalarFirst: bool): void {
  switch (op) {
    case BINARY_ADD: addScalar(a, s, y, n, scalarFirst); break;
    case BINARY_SUB: subScalar(a, s, y, n, scalarFirst); break;
    case BINARY_MUL: mulScalar(a, s, y, n, scalarFirst); break;
    case BINARY_DIV: divScalar(a, s, y, n, scalarFirst); break;
    case BINARY_POW: powScalar(a, s, y, n, scalarFirst); break;
    case BINARY_MAX: maxScalar(a, s, y, n, scalarFirst); break;
    case BINARY_MIN: minScalar(a, s, y, n, scalarFirst); break;
    default: preluScalar(a, s, y, n, scalarFirst);
  }
}

/** Elements [begin, end) of y = a op b, all three of one shape. */
export function binarySame(op: i32, a: usize, b: usize, y: usize, begin: i32, end: i32): void {
  const p = <usize>begin << 2;
  same(op, a + p, b + p, y + p, end - begin);
}

/** Elements [begin, end) of y = a op s (s op a when scalarFirst), s the one value at `scalar`. */
export function binaryScalar(op: i32, a: usize, scalar: usize, y: usize, scalarFirst: bool, begin: i32, end: i32): void {
  const p = <usize>begin << 2;
  withScalar(op, a + p, load<f32>(scalar), y + p, end - begin, scalarFirst);
}

/**
 * Rows [begin, end) of y = full op vec (vec op full when vecFirst): y and full are rows of
 * `inner` values; row r uses vec[r % channels], so rows are (outer, channel) pairs.
 */
export function binaryChannel(op: i32, full: usize, vec: usize, y: usize, channels: i32, inner: i32, vecFirst: bool, begin: i32, end: i32): void {
  for (let row = begin; row < end; row++) {
    const p = (<usize>row * <usize>inner) << 2;
    withScalar(op, full + p, load<f32>(vec + (<usize>(row % channels) << 2)), y + p, inner, vecFirst);
  }
}

/**
 * Rows [begin, end) of y = a op b for any broadcast. `layout` holds rank i32 output dims, then
 * rank strides of a, then rank strides of b, in elements (0 along a broadcast dimension). The
 * last dimension is a row: its strides are 1 or 0, so each row is one of the fast loops; rows
 * narrower than a vector (x, y pairs, RGB triples) are done in place, where a call per row would
 * cost more than the row.
 */
export function binaryStrided(op: i32, a: usize, b: usize, y: usize, layout: usize, rank: i32, begin: i32, end: i32): void {
  if (rowWidth(layout, rank) >= 4) {
    wideRows(op, a, b, y, layout, rank, begin, end);
    return;
  }
  switch (op) {
    case BINARY_ADD: narrowRows(BINARY_ADD, a, b, y, layout, rank, begin, end); break;
    case BINARY_SUB: narrowRows(BINARY_SUB, a, b, y, layout, rank, begin, end); break;
    case BINARY_MUL: narrowRows(BINARY_MUL, a, b, y, layout, rank, begin, end); break;
    case BINARY_DIV: narrowRows(BINARY_DIV, a, b, y, layout, rank, begin, end); break;
    case BINARY_POW: narrowRows(BINARY_POW, a, b, y, layout, rank, begin, end); break;
    case BINARY_MAX: narrowRows(BINARY_MAX, a, b, y, layout, rank, begin, end); break;
    case BINARY_MIN: narrowRows(BINARY_MIN, a, b, y, layout, rank, begin, end); break;
    default: narrowRows(BINARY_PRELU, a, b, y, layout, rank, begin, end);
  }
}

function wideRows(op: i32, a: usize, b: usize, y: usize, layout: usize, rank: i32, begin: i32, end: i32): void {
  const width = rowWidth(layout, rank);
  const aStep = rowStep(layout, rank, 1);
  const bStep = rowStep(layout, rank, 2);
  for (let row = begin; row < end; row++) {
    const ap = a + (<usize>rowOffset(layout, rank, row, 1) << 2);
    const bp = b + (<usize>rowOffset(layout, rank, row, 2) << 2);
    const yp = y + ((<usize>row * <usize>width) << 2);
    if (aStep != 0 && bStep != 0) same(op, ap, bp, yp, width);
    else if (aStep != 0) withScalar(op, ap, load<f32>(bp), yp, width, false);
    else if (bStep != 0) withScalar(op, bp, load<f32>(ap), yp, width, true);
    else fillRow(yp, apply1(op, load<f32>(ap), load<f32>(bp)), width);
  }
}

/**
 * Rows of fewer than four values, element by element with the op a constant. Operand offsets step
 * along the innermost row dimension and are worked out afresh (divisions) only when it wraps.
 */
@inline function narrowRows(op: i32, a: usize, b: usize, y: usize, layout: usize, rank: i32, begin: i32, end: i32): void {
  const width = rowWidth(layout, rank);
  const aStep = <usize>rowStep(layout, rank, 1) << 2;
  const bStep = <usize>rowStep(layout, rank, 2) << 2;
  const rows = rank >= 2 ? load<i32>(layout + (<usize>(rank - 2) << 2)) : 1;
  const aRow = rank >= 2 ? <usize>load<i32>(layout + (<usize>(2 * rank - 2) << 2)) << 2 : 0;
  const bRow = rank >= 2 ? <usize>load<i32>(layout + (<usize>(3 * rank - 2) << 2)) << 2 : 0;
  let inRow = begin % rows;
  let ap = a + (<usize>rowOffset(layout, rank, begin, 1) << 2);
  let bp = b + (<usize>rowOffset(layout, rank, begin, 2) << 2);
  let yp = y + ((<usize>begin * <usize>width) << 2);
  for (let row = begin; row < end; row++) {
    for (let j = 0; j < width; j++) {
      store<f32>(yp, apply1(op, load<f32>(ap + <usize>j * aStep), load<f32>(bp + <usize>j * bStep)));
      yp += 4;
    }
    if (++inRow == rows) {
      inRow = 0;
      ap = a + (<usize>rowOffset(layout, rank, row + 1, 1) << 2);
      bp = b + (<usize>rowOffset(layout, rank, row + 1, 2) << 2);
    } else {
      ap += aRow;
      bp += bRow;
    }
  }
}

function fillRow(y: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}
