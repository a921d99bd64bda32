// `npm run bench -- runtimes [--quick]`: the default estimator's inference time on the bundled
// sample photo in Node and in a Chromium page (Debian's chromium through playwright-core), one and
// two threads, measured in the same run. The page is served by `wasmpose serve` (cross-origin
// isolated, so two threads really share memory there). Node runs without the relaxed-SIMD flag
// (the strict build, as Node 20 does by default); Chromium has relaxed SIMD (the relaxed build).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { samplePhotoPath } from '../src/cli/commands/demo.js';
import { startServer } from '../src/cli/commands/serve.js';
import { median } from '../src/eval/regression.js';
import { decodeImage } from '../src/image/codec.js';
import { createEstimator } from '../src/pipeline/create.js';

interface RuntimeRow {
  runtime: string;
  threads: number;
  build: string;
  median_ms: number;
  min_ms: number;
  runs: number;
}

/** Runs `estimate` warmup + runs times and returns the engine's time per run. */
async function nodeTimes(threads: number, warmup: number, runs: number): Promise<number[]> {
  const estimator = await createEstimator(undefined, { threads });
  const image = decodeImage(readFileSync(samplePhotoPath()));
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      await estimator.estimate(image);
      if (i >= warmup) times.push(estimator.timings.infer);
    }
  } finally {
    estimator.dispose();
  }
  return times;
}

function chromiumPath(): string {
  const path = process.env['CHROMIUM'] ?? execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  if (path === '') throw new Error('no chromium on PATH (apt-get install chromium)');
  return path;
}

export async function runtimesSuite(options: { quick: boolean }): Promise<RuntimeRow[]> {
  const warmup = options.quick ? 1 : 3;
  const runs = options.quick ? 3 : 15;
  const { chromium } = await import('playwright-core');
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  const rows: RuntimeRow[] = [];
  const row = (runtime: string, threads: number, build: string, times: number[]): void => {
    rows.push({ runtime, threads, build, median_ms: median(times), min_ms: Math.min(...times), runs: times.length });
  };
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    for (const threads of [1, 2]) {
      row('node', threads, 'simd', await nodeTimes(threads, warmup, runs));
      const result = await page.evaluate(async ({ threads, warmup, runs }: { threads: number; warmup: number; runs: number }) => {
        const wasmpose = await import('/dist/src/index.js' as string);
        const photo = await (await fetch('/weights/sample/000000000785.jpg')).arrayBuffer();
        const estimator = await wasmpose.createEstimator(undefined, { threads });
        const image = wasmpose.decodeImage(photo);
        const times: number[] = [];
        for (let i = 0; i < warmup + runs; i++) {
          await estimator.estimate(image);
          if (i >= warmup) times.push(estimator.timings.infer);
        }
        estimator.dispose();
        return { times, isolated: crossOriginIsolated, build: wasmpose.relaxedSimdSupported() ? 'relaxed' : 'simd', shared: wasmpose.sharedMemorySupported() };
      }, { threads, warmup, runs });
      if (threads > 1 && !result.shared) throw new Error('the page has no shared memory: two threads would run as one');
      row('chromium', threads, result.build, result.times);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log('| runtime | threads | build | median ms | min ms | runs |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.runtime} | ${r.threads} | ${r.build} | ${r.median_ms.toFixed(1)} | ${r.min_ms.toFixed(1)} | ${r.runs} |`);
  return rows;
}
