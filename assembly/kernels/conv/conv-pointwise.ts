// 1x1 convolution with stride 1 and no padding: the input's channel rows already are the B
// matrix of the product (k = input channel, columns = pixels), so the micro-kernel reads them in
// place. Only a last block narrower than NR pixels is copied, zero-padded, into scratch.
import { NR, MR } from './micro-kernel';
import { multiplyBlock, packColumns } from './block';

/**
 * Work units [begin, end) of batch x groups x ceil(pixels / block), as convDense; weights, bias
 * and params packed as for convDense (k = Cin). scratch: Cin * NR + MR * NR floats.
 */
export function convPointwise(
  x: usize, w: usize, bias: usize, params: usize, y: usize, scratch: usize,
  groups: i32, Cin: i32, CoutG: i32, pixels: i32, block: i32, act: i32, begin: i32, end: i32,
): void {
  const blocksPerImage = (pixels + block - 1) / block;
  const mPanels = (CoutG + MR - 1) / MR;
  const tail = scratch;
  const tmp = scratch + (<usize>(Cin * NR) << 2);
  const rowBytes = <usize>pixels << 2;
  for (let u = begin; u < end; u++) {
    const image = u / (groups * blocksPerImage);
    const g = (u / blocksPerImage) % groups;
    const p0 = (u % blocksPerImage) * block;
    const count = min(block, pixels - p0);
    const full = count / NR * NR;
    const xBlock = x + <usize>((image * groups + g) * Cin) * rowBytes + (<usize>p0 << 2);
    const channel0 = g * CoutG;
    const yBlock = y + <usize>(image * groups * CoutG + channel0) * rowBytes + (<usize>p0 << 2);
    const panels = w + <usize>(g * mPanels) * (<usize>(Cin * MR) << 2);
    const biasGroup = bias == 0 ? <usize>0 : bias + (<usize>(g * mPanels * MR) << 2);
    if (full > 0) multiplyBlock(panels, xBlock, rowBytes, Cin, full, biasGroup, yBlock, rowBytes, CoutG, tmp, act, params, channel0);
    if (count > full) {
      packColumns(tail, xBlock + (<usize>full << 2), rowBytes, Cin, count - full);
      multiplyBlock(panels, tail, <usize>NR << 2, Cin, count - full, biasGroup, yBlock + (<usize>full << 2), rowBytes, CoutG, tmp, act, params, channel0);
    }
  }
}
