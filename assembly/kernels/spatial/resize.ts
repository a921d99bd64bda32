// Resize / Upsample over channel planes [begin, end) of x (H x W each) into y (OH x OW each),
// separably: each output row is a weighted sum of `taps` input rows (rowIndex, rowWeight: OH x
// taps), each of those rows first resampled horizontally (colIndex, colWeight: OW x taps).
// 1 tap is nearest, 2 linear, 4 cubic. Horizontally resampled rows are cached in scratch:
// input row r lives in slot r % taps (the rows one output row needs are consecutive, so they
// never share a slot), tagged with r, so when upsampling each is computed once.
import { madd } from '../simd';

export function resize2d(
  x: usize, y: usize, scratch: usize, rowIndex: usize, rowWeight: usize, colIndex: usize, colWeight: usize,
  H: i32, W: i32, OH: i32, OW: i32, taps: i32,
  begin: i32, end: i32,
): void {
  const tags = scratch;
  const rowBytes = <usize>((OW + 3) & ~3) << 2;
  const cache = scratch + 16;
  const planeIn = <usize>(H * W) << 2;
  const planeOut = <usize>(OH * OW) << 2;
  for (let p = begin; p < end; p++) {
    const xp = x + <usize>p * planeIn;
    const yp = y + <usize>p * planeOut;
    for (let t = 0; t < taps; t++) store<i32>(tags + (<usize>t << 2), -1);
    for (let oy = 0; oy < OH; oy++) {
      const out = yp + (<usize>(oy * OW) << 2);
      const first = <usize>(oy * taps) << 2;
      for (let t = 0; t < taps; t++) {
        const r = load<i32>(rowIndex + first + (<usize>t << 2));
        const slot = <usize>(r % taps);
        if (load<i32>(tags + (slot << 2)) != r) {
          resampleRow(xp + (<usize>(r * W) << 2), cache + slot * rowBytes, colIndex, colWeight, OW, taps);
          store<i32>(tags + (slot << 2), r);
        }
      }
      if (taps == 1) {
        const r = load<i32>(rowIndex + first);
        memory.copy(out, cache + <usize>(r % taps) * rowBytes, <usize>OW << 2);
        continue;
      }
      blendRows(out, cache, rowBytes, rowIndex + first, rowWeight + first, OW, taps);
    }
  }
}

/** dst[o] = sum over t of weight[o][t] * src[index[o][t]] for o < OW. */
function resampleRow(src: usize, dst: usize, index: usize, weight: usize, OW: i32, taps: i32): void {
  if (taps == 1) {
    for (let o = 0; o < OW; o++) {
      const at = <usize>o << 2;
      store<f32>(dst + at, load<f32>(src + (<usize>load<i32>(index + at) << 2)));
    }
  } else if (taps == 2) {
    for (let o = 0; o < OW; o++) {
      const at = <usize>o << 3;
      const a = load<f32>(src + (<usize>load<i32>(index + at) << 2));
      const b = load<f32>(src + (<usize>load<i32>(index + at, 4) << 2));
      store<f32>(dst + (<usize>o << 2), a * load<f32>(weight + at) + b * load<f32>(weight + at, 4));
    }
  } else {
    for (let o = 0; o < OW; o++) {
      const at = <usize>(o * taps) << 2;
      let sum: f32 = 0;
      for (let t = 0; t < taps; t++) {
        const k = at + (<usize>t << 2);
        sum += load<f32>(weight + k) * load<f32>(src + (<usize>load<i32>(index + k) << 2));
      }
      store<f32>(dst + (<usize>o << 2), sum);
    }
  }
}

/** out = sum over t of weights[t] * (cached row of input row index[t]), four columns at a time. */
function blendRows(out: usize, cache: usize, rowBytes: usize, index: usize, weights: usize, OW: i32, taps: i32): void {
  let o = 0;
  for (; o + 4 <= OW; o += 4) {
    const at = <usize>o << 2;
    let sum = f32x4.splat(0);
    for (let t = 0; t < taps; t++) {
      const row = cache + <usize>(load<i32>(index + (<usize>t << 2)) % taps) * rowBytes;
      sum = madd(f32x4.splat(load<f32>(weights + (<usize>t << 2))), v128.load(row + at), sum);
    }
    v128.store(out + at, sum);
  }
  for (; o < OW; o++) {
    const at = <usize>o << 2;
    let sum: f32 = 0;
    for (let t = 0; t < taps; t++) {
      const row = cache + <usize>(load<i32>(index + (<usize>t << 2)) % taps) * rowBytes;
      sum += load<f32>(weights + (<usize>t << 2)) * load<f32>(row + at);
    }
    store<f32>(out + at, sum);
  }
}
