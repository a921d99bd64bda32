import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Node 20 has relaxed SIMD behind a flag (Node 22 and current browsers ship it): with it the
    // relaxed (fused multiply-add) build is proved too, not only the strict one.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
