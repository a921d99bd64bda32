// MaxPool 2x2 stride 2 without padding (OpenPose's and VGG's downsampling) over channel planes
// [begin, end): per four outputs, four vector loads, three maxes and two shuffles. ceil_mode may
// leave a last row or column whose window hangs over the edge; those take the scalar path.
import { evenLanes, LOWEST, oddLanes } from './pool-rows';

export function maxPool2x2Stride2(x: usize, y: usize, H: i32, W: i32, OH: i32, OW: i32, begin: i32, end: i32): void {
  const planeIn = <usize>(H * W) << 2;
  const planeOut = <usize>(OH * OW) << 2;
  const fullColumns = W >> 1;
  for (let p = begin; p < end; p++) {
    const xp = x + <usize>p * planeIn;
    const yp = y + <usize>p * planeOut;
    for (let oy = 0; oy < OH; oy++) {
      const top = xp + (<usize>(2 * oy * W) << 2);
      // A last window that reaches below the input (ceil_mode) reads its top row twice.
      const bottom = 2 * oy + 1 < H ? top + (<usize>W << 2) : top;
      const out = yp + (<usize>(oy * OW) << 2);
      let ox = 0;
      for (; ox + 4 <= fullColumns; ox += 4) {
        const at = <usize>(2 * ox) << 2;
        const m0 = f32x4.max(v128.load(top + at), v128.load(bottom + at));
        const m1 = f32x4.max(v128.load(top + at, 16), v128.load(bottom + at, 16));
        v128.store(out + (<usize>ox << 2), f32x4.max(evenLanes(m0, m1), oddLanes(m0, m1)));
      }
      for (; ox < OW; ox++) {
        let m = LOWEST;
        for (let ix = 2 * ox; ix < min(2 * ox + 2, W); ix++) {
          const at = <usize>ix << 2;
          m = max(m, max(load<f32>(top + at), load<f32>(bottom + at)));
        }
        store<f32>(out + (<usize>ox << 2), m);
      }
    }
  }
}
