// Threads under a busy core: per-photo time of the default estimator on 1 and 2 threads, with
// and without another process spinning on one core (the hog). The goal: 2 threads never more
// than 10 % slower than 1 thread under the hog. Run it on a quiet machine:
//   node dist/bench/threads-hog.js [rounds=30] [photo=weights/sample/000000000785.jpg]
// Prints the medians and the ratio 2-thread / 1-thread in each condition.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../src/image/codec.js';
import { createEstimator, DEFAULT_MODEL } from '../src/pipeline/create.js';

const rounds = Number(process.argv[2] ?? 30);
const photo = decodeImage(readFileSync(process.argv[3] ?? 'weights/sample/000000000785.jpg'));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function perPhoto(threads: number): Promise<{ median: number; max: number }> {
  const estimator = await createEstimator(DEFAULT_MODEL, { threads });
  try {
    await estimator.estimate(photo); // warm-up
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      await estimator.estimate(photo);
      times.push(performance.now() - start);
    }
    return { median: median(times), max: Math.max(...times) };
  } finally {
    estimator.dispose();
  }
}

function startHog(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

const results: Record<string, number> = {};
for (const hog of [false, true]) {
  const hogProcess = hog ? startHog() : undefined;
  try {
    for (const threads of [1, 2]) {
      const r = await perPhoto(threads);
      const label = `${threads} thread${threads > 1 ? 's' : ''}${hog ? ', hog' : ''}`;
      results[label] = r.median;
      console.log(`${label.padEnd(18)} median ${r.median.toFixed(1)} ms, max ${r.max.toFixed(1)} ms over ${rounds} photos`);
    }
  } finally {
    hogProcess?.kill();
  }
}
console.log(`2 / 1 threads: quiet ${(results['2 threads']! / results['1 thread']!).toFixed(3)}, under the hog ${(results['2 threads, hog']! / results['1 thread, hog']!).toFixed(3)} (goal <= 1.10)`);
