// AveragePool over channel planes [begin, end): window sums as a vertical then a horizontal
// sum over a padded row in scratch (see pool-rows.ts), times 1 / divisor. The divisor is
// separable (rows x columns, counting padding or not), so the plan precomputes its reciprocal
// per output row (invRow, OH floats) and per output column (invCol, OW floats).
import { addInto, evenLanes, fillRow, rowLength } from './pool-rows';

export function averagePool2d(
  x: usize, y: usize, scratch: usize, invRow: usize, invCol: usize,
  H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  begin: i32, end: i32,
): void {
  const length = rowLength(W, OW, kw, sw, pl, dw);
  const row = scratch;
  const planeIn = <usize>(H * W) << 2;
  const planeOut = <usize>(OH * OW) << 2;
  for (let p = begin; p < end; p++) {
    const xp = x + <usize>p * planeIn;
    const yp = y + <usize>p * planeOut;
    for (let oy = 0; oy < OH; oy++) {
      fillRow(row, 0, length + 4);
      const iy0 = oy * sh - pt;
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dh;
        if (iy >= 0 && iy < H) addInto(row + (<usize>pl << 2), xp + (<usize>(iy * W) << 2), W);
      }
      const rowScale = load<f32>(invRow + (<usize>oy << 2));
      const rowScales = f32x4.splat(rowScale);
      const out = yp + (<usize>(oy * OW) << 2);
      let ox = 0;
      if (sw == 1) {
        for (; ox + 4 <= OW; ox += 4) {
          let s = v128.load(row + (<usize>ox << 2));
          for (let kx = 1; kx < kw; kx++) s = f32x4.add(s, v128.load(row + (<usize>(ox + kx * dw) << 2)));
          const scale = f32x4.mul(rowScales, v128.load(invCol + (<usize>ox << 2)));
          v128.store(out + (<usize>ox << 2), f32x4.mul(s, scale));
        }
      } else if (sw == 2) {
        for (; ox + 4 <= OW; ox += 4) {
          let s = f32x4.splat(0);
          for (let kx = 0; kx < kw; kx++) {
            const at = row + (<usize>(2 * ox + kx * dw) << 2);
            s = f32x4.add(s, evenLanes(v128.load(at), v128.load(at, 16)));
          }
          const scale = f32x4.mul(rowScales, v128.load(invCol + (<usize>ox << 2)));
          v128.store(out + (<usize>ox << 2), f32x4.mul(s, scale));
        }
      }
      for (; ox < OW; ox++) {
        let s: f32 = 0;
        const start = ox * sw;
        for (let kx = 0; kx < kw; kx++) s += load<f32>(row + (<usize>(start + kx * dw) << 2));
        store<f32>(out + (<usize>ox << 2), s * (rowScale * load<f32>(invCol + (<usize>ox << 2))));
      }
    }
  }
}
