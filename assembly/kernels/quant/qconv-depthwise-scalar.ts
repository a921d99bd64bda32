// Quantized depthwise convolution (groups == input channels, `multiplier` output channels per
// input channel): each output sums its channel's taps of (input - zero point) x (weight - zero
// point) in int32, then the shared requantization. Scalar: a depthwise layer has few multiply-adds
// per value (9 for 3x3), so the gather dominates either way.
import { requantize } from './requantize';

/**
 * Work units [begin, end) of batch x input channels. w: int32 per tap, zero point subtracted,
 * [cout, kh, kw]; bias int32 and multiplier f32 per output channel.
 */
export function qconvDepthwiseScalar(
  x: usize, w: usize, bias: usize, multiplier: usize, y: usize,
  C: i32, H: i32, W: i32, channelMultiplier: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  xZero: i32, yZero: i32, lo: i32, hi: i32, begin: i32, end: i32,
): void {
  for (let u = begin; u < end; u++) {
    const image = u / C;
    const c = u % C;
    const plane = x + (<usize>(u * H * W) << 2);
    for (let j = 0; j < channelMultiplier; j++) {
      const co = c * channelMultiplier + j;
      const taps = w + (<usize>(co * kh * kw) << 2);
      const b = load<i32>(bias + (<usize>co << 2));
      const m = load<f32>(multiplier + (<usize>co << 2));
      let out = y + (<usize>((image * C * channelMultiplier + co) * OH * OW) << 2);
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let sum = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (<u32>iy >= <u32>H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (<u32>ix >= <u32>W) continue;
              sum += (load<i32>(plane + (<usize>(iy * W + ix) << 2)) - xZero) * load<i32>(taps + (<usize>(ky * kw + kx) << 2));
            }
          }
          store<i32>(out, requantize(sum, b, m, yZero, lo, hi));
          out += 4;
        }
      }
    }
  }
}
