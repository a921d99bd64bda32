// MaxPool over channel planes [begin, end) of x (N*C planes of H x W) into y (OH x OW each):
// any kernel, stride, padding and dilation, as a vertical then a horizontal max over a padded
// row in scratch (see pool-rows.ts). Stride 1 and 2 run four outputs per step (3x3 stride 1,
// OpenPose's pool, is three vector loads and maxes per four outputs).
import { evenLanes, fillRow, LOWEST, maxInto, rowLength } from './pool-rows';

export function maxPool2d(
  x: usize, y: usize, scratch: usize,
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
      fillRow(row, LOWEST, length + 4);
      const iy0 = oy * sh - pt;
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dh;
        if (iy >= 0 && iy < H) maxInto(row + (<usize>pl << 2), xp + (<usize>(iy * W) << 2), W);
      }
      const out = yp + (<usize>(oy * OW) << 2);
      let ox = 0;
      if (sw == 1) {
        for (; ox + 4 <= OW; ox += 4) {
          let m = v128.load(row + (<usize>ox << 2));
          for (let kx = 1; kx < kw; kx++) m = f32x4.max(m, v128.load(row + (<usize>(ox + kx * dw) << 2)));
          v128.store(out + (<usize>ox << 2), m);
        }
      } else if (sw == 2) {
        for (; ox + 4 <= OW; ox += 4) {
          let m = f32x4.splat(LOWEST);
          for (let kx = 0; kx < kw; kx++) {
            const at = row + (<usize>(2 * ox + kx * dw) << 2);
            m = f32x4.max(m, evenLanes(v128.load(at), v128.load(at, 16)));
          }
          v128.store(out + (<usize>ox << 2), m);
        }
      }
      for (; ox < OW; ox++) {
        let m = LOWEST;
        const start = ox * sw;
        for (let kx = 0; kx < kw; kx++) m = max(m, load<f32>(row + (<usize>(start + kx * dw) << 2)));
        store<f32>(out + (<usize>ox << 2), m);
      }
    }
  }
}
