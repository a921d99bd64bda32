// Quantized depthwise convolution (groups == input channels, `mult` output channels per
// input channel): each output sums its channel's taps of (input - zero point) x (weight - zero
// point) in int32, then the shared requantization. The channel's plane is first copied into
// scratch with its zero point subtracted and zero padding around it, so the taps need no bounds
// checks; at stride 1 four outputs of a row accumulate in one i32x4 (i32x4.mul by the tap's
// weight), at other strides one at a time.
import { requantize, requantize4 } from './requantize';

/**
 * Work units [begin, end) of batch x input channels. w: int32 per tap, zero point subtracted,
 * [Cout, kh, kw]; bias int32 and multiplier f32 per output channel. scratch: PH x PW int32 of
 * padded plane (PH, PW as the plan computes them: room for the last vector of four outputs).
 */
export function qconvDepthwiseI32x4(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize, scratch: usize,
  C: i32, H: i32, W: i32, mult: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32, PH: i32, PW: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, begin: i32, end: i32,
): void {
  const zero = i32x4.splat(yZero);
  const low = i32x4.splat(lo);
  const high = i32x4.splat(hi);
  const rowBytes = <usize>PW << 2;
  for (let u = begin; u < end; u++) {
    const image = u / C;
    const c = u % C;
    // The padded plane: zeros, then the input minus its zero point.
    memory.fill(scratch, 0, <usize>(PH * PW) << 2);
    const plane = x + (<usize>(u * H * W) << 2);
    for (let iy = 0; iy < H; iy++) {
      for (let ix = 0; ix < W; ix++) store<i32>(scratch + <usize>(iy + pt) * rowBytes + (<usize>(ix + pl) << 2), load<i32>(plane + (<usize>(iy * W + ix) << 2)) - xZero);
    }
    for (let j = 0; j < mult; j++) {
      const co = c * mult + j;
      const taps = w + (<usize>(co * kh * kw) << 2);
      const b = load<i32>(bias + (<usize>co << 2));
      const m = load<f32>(multiplier + (<usize>co << 2));
      const bias4 = i32x4.splat(b);
      const mult4 = f32x4.splat(m);
      const out = y + (<usize>((image * C * mult + co) * OH * OW) << 2);
      for (let oy = 0; oy < OH; oy++) {
        const yRow = out + (<usize>(oy * OW) << 2);
        let ox = 0;
        if (sw == 1) {
          for (; ox + 4 <= OW; ox += 4) {
            let sum = i32x4.splat(0);
            for (let ky = 0; ky < kh; ky++) {
              const row = scratch + <usize>(oy * sh + ky * dh) * rowBytes + (<usize>ox << 2);
              for (let kx = 0; kx < kw; kx++) {
                sum = i32x4.add(sum, i32x4.mul(v128.load(row + (<usize>(kx * dw) << 2)), i32x4.splat(load<i32>(taps + (<usize>(ky * kw + kx) << 2)))));
              }
            }
            v128.store(yRow + (<usize>ox << 2), requantize4(sum, bias4, mult4, zero, low, high));
          }
        }
        for (; ox < OW; ox++) {
          let sum = 0;
          for (let ky = 0; ky < kh; ky++) {
            const row = scratch + <usize>(oy * sh + ky * dh) * rowBytes + (<usize>(ox * sw) << 2);
            for (let kx = 0; kx < kw; kx++) sum += load<i32>(row + (<usize>(kx * dw) << 2)) * load<i32>(taps + (<usize>(ky * kw + kx) << 2));
          }
          store<i32>(yRow + (<usize>ox << 2), requantize(sum, b, m, yZero, lo, hi));
        }
      }
    }
  }
}
