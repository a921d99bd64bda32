// Cast between the run-time element types: float32 (every floating-point dtype) and int32 (every
// integer dtype and bool). Codes match CAST_CODES in src/nn/ops/elementwise/cast.ts. A range of
// elements; the entry point switches once per call into a loop specialised for the conversion.

export const CAST_COPY: i32 = 0; // same run-time type, same values (int32 <-> int64, float32 <-> float64)
export const CAST_INT_TO_FLOAT: i32 = 1;
export const CAST_FLOAT_TO_INT: i32 = 2; // toward zero, saturating at [lo, hi], NaN -> 0
export const CAST_FLOAT_TO_BOOL: i32 = 3; // x != 0 (NaN is true)
export const CAST_INT_TO_BOOL: i32 = 4;
export const CAST_INT_TO_UINT8: i32 = 5; // wraps to the low 8 bits
export const CAST_INT_TO_INT8: i32 = 6; // wraps to the low 8 bits, sign-extended

@inline function convert4(code: i32, x: v128, lo: v128, hi: v128): v128 {
  const one = i32x4.splat(1);
  switch (code) {
    case CAST_INT_TO_FLOAT: return f32x4.convert_i32x4_s(x);
    case CAST_FLOAT_TO_INT: return i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(x), lo), hi);
    case CAST_FLOAT_TO_BOOL: return v128.and(f32x4.ne(x, f32x4.splat(0)), one);
    case CAST_INT_TO_BOOL: return v128.and(i32x4.ne(x, i32x4.splat(0)), one);
    case CAST_INT_TO_UINT8: return v128.and(x, i32x4.splat(255));
    case CAST_INT_TO_INT8: return i32x4.shr_s(i32x4.shl(x, 24), 24);
    default: return x;
  }
}

@inline function loop(code: i32, x: usize, y: usize, lo: i32, hi: i32, n: i32): void {
  const loV = i32x4.splat(lo);
  const hiV = i32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, convert4(code, v128.load(x + p), loV, hiV));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    v128.store32_lane(y + p, convert4(code, v128.load32_splat(x + p), loV, hiV), 0);
  }
}

// One function per conversion, the code a constant inside it (see unary.ts).
function copyLoop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_COPY, x, y, lo, hi, n); }
function intToFloatLoop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_INT_TO_FLOAT, x, y, lo, hi, n); }
function floatToIntLoop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_FLOAT_TO_INT, x, y, lo, hi, n); }
function floatToBoolLoop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_FLOAT_TO_BOOL, x, y, lo, hi, n); }
function intToBoolLoop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_INT_TO_BOOL, x, y, lo, hi, n); }
function intToUint8Loop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_INT_TO_UINT8, x, y, lo, hi, n); }
function intToInt8Loop(x: usize, y: usize, lo: i32, hi: i32, n: i32): void { loop(CAST_INT_TO_INT8, x, y, lo, hi, n); }

/** Elements [begin, end) of y = cast(x). lo and hi: the saturation range of CAST_FLOAT_TO_INT. */
export function cast(code: i32, x: usize, y: usize, lo: i32, hi: i32, begin: i32, end: i32): void {
  const offset = <usize>begin << 2;
  const n = end - begin;
  x += offset;
  y += offset;
  switch (code) {
    case CAST_INT_TO_FLOAT: intToFloatLoop(x, y, lo, hi, n); break;
    case CAST_FLOAT_TO_INT: floatToIntLoop(x, y, lo, hi, n); break;
    case CAST_FLOAT_TO_BOOL: floatToBoolLoop(x, y, lo, hi, n); break;
    case CAST_INT_TO_BOOL: intToBoolLoop(x, y, lo, hi, n); break;
    case CAST_INT_TO_UINT8: intToUint8Loop(x, y, lo, hi, n); break;
    case CAST_INT_TO_INT8: intToInt8Loop(x, y, lo, hi, n); break;
    default: copyLoop(x, y, lo, hi, n);
  }
}
