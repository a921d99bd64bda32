// `npm run bench -- <suite> [--quick] [options]`: benchmarks live here, never in the tests.
//   kernels   GFLOP/s of the convolution kernels at Lightweight OpenPose's shapes, one thread
//   models    wasmpose against onnxruntime-web, onnxruntime-node and tfjs-backend-wasm on whole
//             networks, same model file and input, each engine in its own process
//             [--network a,b] [--engine wasmpose,onnxruntime-node,...] [--threads 1,2] [--rounds N] [--warmup N]
//             [--baseline <results.json> [--min-effect 0.05] [--alpha 0.01]]: compare with a stored run
//             (exit 1 when a row is slower beyond the noise); every run also writes the CI
//             trackers' JSON (customSmallerIsBetter) beside its results
//   openvino-int8  human-pose-estimation-0001 as FP32 and FP16-INT8 OpenVINO IR (and the QDQ ONNX
//             the INT8 IR is written from), in one process, alternating [--threads N] [--rounds N] [--warmup N]
//   runtimes  the default estimator on the sample photo in Node and a Chromium page, 1 and 2 threads
//   profile   wasmpose's time per node on one network [--network name] [--threads N] [--build simd|relaxed]
//   video     a clip made with ffmpeg: wall time per frame against the network's, and fps with
//             --workers 1 and 2 [--network <model>] (default: the CLI's default model)
//   cores     one thread of a network pinned to each CPU, alone and all at once (Linux, taskset):
//             unequal cores cap what N threads can gain [--network name] [--rounds N]
import type { EngineName } from './engines/types.js';

/** `--name value` options; `--quick` is the only flag without a value. */
const VALUE_OPTIONS = new Set(['network', 'engine', 'threads', 'rounds', 'warmup', 'build', 'baseline', 'min-effect', 'alpha']);
const ENGINES: readonly EngineName[] = ['wasmpose', 'onnxruntime-web', 'onnxruntime-node', 'tfjs-wasm'];

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names: string[] = [];
const options = new Map<string, string>();
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--quick') continue;
  if (!arg.startsWith('--')) {
    names.push(arg);
    continue;
  }
  const key = arg.slice(2);
  const value = args[i + 1];
  if (!VALUE_OPTIONS.has(key)) fail(`unknown option '${arg}'; options: --quick, ${[...VALUE_OPTIONS].map((k) => `--${k}`).join(', ')}`);
  if (value === undefined || value.startsWith('--')) fail(`option '${arg}' needs a value`);
  options.set(key, value);
  i++;
}

const list = (key: string): string[] | undefined => options.get(key)?.split(',').filter((s) => s !== '');
const positive = (key: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${key} expects positive integers, got '${text}'`);
  return n;
};
const count = (key: string): number | undefined => {
  const text = options.get(key);
  return text === undefined ? undefined : positive(key, text);
};
const engines = list('engine')?.map((e) => (ENGINES.includes(e as EngineName) ? (e as EngineName) : fail(`unknown engine '${e}'; engines: ${ENGINES.join(', ')}`)));
const threads = list('threads')?.map((t) => positive('threads', t));
const fraction = (key: string): number | undefined => {
  const text = options.get(key);
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : fail(`--${key} expects a non-negative number, got '${text}'`);
};
const buildOption = options.get('build');
const build = buildOption === undefined || buildOption === 'simd' || buildOption === 'relaxed' ? buildOption : fail(`--build expects simd or relaxed, got '${buildOption}'`);

const SUITES: Record<string, (quick: boolean) => Promise<void>> = {
  kernels: async (quick) => {
    const { benchKernels, printKernelTable } = await import('./kernels.js');
    printKernelTable(await benchKernels({ quick }));
  },
  models: async (quick) => {
    const { modelsSuite } = await import('./models.js');
    await modelsSuite({
      quick, networks: list('network'), threads, engines, warmup: count('warmup'), rounds: count('rounds'),
      baseline: options.get('baseline'), test: { minEffect: fraction('min-effect'), alpha: fraction('alpha') },
    });
  },
  profile: async (quick) => {
    const { profileSuite } = await import('./models.js');
    const network = list('network');
    if (network !== undefined && network.length !== 1) fail('profile takes one --network');
    if (threads !== undefined && threads.length !== 1) fail('profile takes one --threads value');
    await profileSuite({ quick, network: network?.[0], threads: threads?.[0], build });
  },
  'openvino-int8': async (quick) => {
    const { openVinoInt8Suite } = await import('./openvino-int8.js');
    if (threads !== undefined && threads.length !== 1) fail('openvino-int8 takes one --threads value');
    await openVinoInt8Suite({ quick, threads: threads?.[0], rounds: count('rounds'), warmup: count('warmup') });
  },
  runtimes: async (quick) => {
    const { runtimesSuite } = await import('./runtimes.js');
    await runtimesSuite({ quick });
  },
  cores: async (quick) => {
    const { coresSuite } = await import('./cores.js');
    const network = list('network');
    if (network !== undefined && network.length !== 1) fail('cores takes one --network');
    await coresSuite({ quick, network: network?.[0], rounds: count('rounds') });
  },
  video: async (quick) => {
    const { videoSuite } = await import('./video.js');
    const network = list('network');
    if (network !== undefined && network.length !== 1) fail('video takes one --network');
    await videoSuite({ quick, network: network?.[0] });
  },
};

for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
  const suite = SUITES[name];
  if (suite === undefined) fail(`unknown benchmark suite '${name}'; suites: ${Object.keys(SUITES).join(', ')}`);
  await suite(quick);
}
