// The wasmpose command line. Each command is a module under commands/.
import { WasmposeError } from '../nn/errors.js';
import { benchCommand, benchUsage } from './commands/bench.js';
import { convertCommand, convertUsage } from './commands/convert.js';
import { fetchCommand, fetchUsage } from './commands/fetch.js';
import { inspectCommand, inspectUsage } from './commands/inspect.js';
import { demoCommand, demoUsage } from './commands/demo.js';
import { estimateCommand, estimateUsage } from './commands/estimate.js';
import { evalCommand, evalUsage } from './commands/eval.js';
import { explainCommand, explainUsage } from './commands/explain.js';
import { mergeCommand, mergeUsage } from './commands/merge.js';
import { modelsCommand, modelsUsage } from './commands/models.js';
import { quantizeCommand, quantizeUsage } from './commands/quantize.js';
import { runCommand, runUsage } from './commands/run.js';
import { serveCommand, serveUsage } from './commands/serve.js';

interface Command {
  usage: string;
  summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const COMMANDS = new Map<string, Command>(Object.entries({
  estimate: { usage: estimateUsage, summary: 'find people in photos (JSON and overlays); the embedded default model needs no flags', run: estimateCommand },
  demo: { usage: demoUsage, summary: 'the default model on the bundled sample photo: wasmpose-demo.png + .json', run: demoCommand },
  explain: { usage: explainUsage, summary: 'a report (index.html + PNGs) walking one photo through preprocessing, the layers, the raw maps and the decoder', run: explainCommand },
  models: { usage: modelsUsage, summary: 'the models estimate takes: input, outputs, keypoints, decoder, size, source', run: modelsCommand },
  merge: { usage: mergeUsage, summary: "one COCO results file from the shards' files of `estimate --shard i/n` runs", run: mergeCommand },
  eval: { usage: evalUsage, summary: 'COCO keypoint AP / AR of a model on a COCO ground truth (pycocotools table)', run: evalCommand },
  run: { usage: runUsage, summary: 'run a model on .npy/.pb inputs, write every output as .npy', run: runCommand },
  convert: { usage: convertUsage, summary: 'write any supported model (ONNX, OpenVINO IR, Caffe) as ONNX', run: convertCommand },
  inspect: { usage: inspectUsage, summary: 'format, inputs/outputs with shapes, op histogram, parameters and GFLOPs of a model (weights optional)', run: inspectCommand },
  fetch: { usage: fetchUsage, summary: "download a seed network's published weights, verified, into the cache", run: fetchCommand },
  serve: { usage: serveUsage, summary: 'the demo page (photo, webcam, skeletons, per-stage ms) on a local server with the headers threads need', run: serveCommand },
  quantize: { usage: quantizeUsage, summary: 'post-training INT8 quantization calibrated on photos: a QDQ ONNX file ONNX Runtime and wasmpose run', run: quantizeCommand },
  bench: { usage: benchUsage, summary: 'time a model on seeded inputs (JSON with --json, per-node with --profile)', run: benchCommand },
}));

export function helpText(): string {
  const lines = ['wasmpose: human pose estimation in TypeScript and WebAssembly SIMD', '', 'commands:'];
  for (const [name, c] of COMMANDS) lines.push(`  ${name.padEnd(9)} ${c.summary}`, `            ${c.usage}`);
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return 0;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    console.error(`wasmpose: unknown command '${oneLine(name)}' (wasmpose --help lists them)`);
    return 2;
  }
  if (rest.includes('--help')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof WasmposeError) {
      console.error(`wasmpose ${name}: ${oneLine(e.message)}`);
      return e.name === 'UsageError' ? 2 : 1;
    }
    // Anything else is a wasmpose bug (the tests fail on it): still one line, and a distinct code.
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(`wasmpose ${name}: internal error (please report it): ${oneLine(what)}`);
    return INTERNAL_ERROR;
  }
}

/** Exit code of an exception that is not a WasmposeError (sysexits' EX_SOFTWARE). */
export const INTERNAL_ERROR = 70;

/** Every error the CLI prints is one line: a message from a file may hold newlines. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' | ');
}
