// The one script the five-runtime test runs in Node, a Chromium page, a Chromium module worker,
// Deno and Bun: the default model on the bundled sample photo, through the public API only.
/**
 * @param {typeof import('../../dist/src/index.js')} wasmpose the package's main entry
 * @param {Uint8Array | ArrayBuffer} photo the sample photo's bytes
 * @param {number} threads
 */
export async function samplePoses(wasmpose, photo, threads = 1) {
  const estimator = await wasmpose.createEstimator(undefined, { threads });
  try {
    const poses = await estimator.estimate(wasmpose.decodeImage(photo));
    return {
      build: wasmpose.relaxedSimdSupported() ? 'relaxed' : 'simd',
      sharedMemory: wasmpose.sharedMemorySupported(),
      inferMs: estimator.timings.infer,
      poses: poses.map((p) => ({ score: p.score, keypoints: p.keypoints.map((k) => [k.x, k.y, k.score ?? 0]) })),
    };
  } finally {
    estimator.dispose();
  }
}
