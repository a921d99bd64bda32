// Golden check of whole networks: each seed network, with seeded weights, written to ONNX by the
// project's writer, run by onnxruntime-node and by the engine; every output must agree within
// 1e-4 x max(1, max |ort|). The three largest networks run on smaller inputs than their cards'
// (the full sizes would be slow on a shared 2-core machine); every layer and path still runs.
import { describe, expect, it } from 'vitest';
import { MODELS, type NetworkOptions } from '../src/models/registry.js';
import { relaxedSimdSupported } from '../src/nn/runtime/kernels.js';
import { expectEngineMatchesOrt } from './support/ort.js';
import { randomTensor, seededRandom } from './support/harness.js';

/** Input height and width per network for this test (multiples of each network's total stride). */
const TEST_SIZES: Record<string, [number, number]> = {
  'human-pose-estimation-0001': [256, 456],
  'human-pose-estimation-3d-0001': [256, 448],
  // 192x144: stride-8 maps 24x18, the context block's 12x9 and 6x5, so its resizes are not all x2.
  'single-human-pose-estimation-0001': [192, 144],
  'openpose-coco': [96, 96],
  bodyposenet: [96, 128],
  'hrnet-w32': [256, 192],
};

describe('seed networks: engine vs onnxruntime', () => {
  for (const entry of MODELS) {
    it(entry.name, async () => {
      const [height, width] = TEST_SIZES[entry.name]!;
      const options: NetworkOptions = { seed: 7, height, width };
      const model = entry.build(options);
      const input = randomTensor([1, 3, height, width], seededRandom(11));
      await expectEngineMatchesOrt(model, { [entry.input.name]: input });
    }, 60_000);
  }
});

// The relaxed-SIMD build computes every multiply-add with one rounding instead of two; over a
// network that moves outputs by about as much as the strict build differs from ONNX Runtime, so
// it is held to the same bound. The test configuration starts Node with relaxed SIMD on.
describe('seed networks on the relaxed-SIMD build (fused multiply-add) vs onnxruntime', () => {
  it('the test processes have relaxed SIMD', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });
  for (const entry of MODELS) {
    it(entry.name, async () => {
      const [height, width] = TEST_SIZES[entry.name]!;
      const model = entry.build({ seed: 7, height, width });
      const input = randomTensor([1, 3, height, width], seededRandom(11));
      await expectEngineMatchesOrt(model, { [entry.input.name]: input }, 1e-4, { build: 'relaxed' });
    }, 60_000);
  }
});
