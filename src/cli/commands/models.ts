// `wasmpose models [--json]`: every model createEstimator takes, with its input, outputs,
// keypoints, decoder, size and source. --json prints one JSON object per line.
import { estimatorModelInfo, estimatorNames, type EstimatorModelInfo } from '../../pipeline/create.js';
import { parseArgs, UsageError } from '../args.js';

export const modelsUsage = 'wasmpose models [--json]';

function summary(info: EstimatorModelInfo): string {
  const params = info.params === null ? '?' : `${(info.params / 1e6).toFixed(2)} M`;
  const gflops = info.gflops === null ? '?' : info.gflops.toFixed(2);
  const where = info.file === undefined ? 'weights: --weights (npx wasmpose fetch)' : info.file === null ? 'model file: not installed' : `model file: ${info.file}`;
  return `${info.name.padEnd(34)} ${params.padStart(9)} params ${gflops.padStart(7)} GFLOPs  input ${info.input.shape.join('x').padEnd(13)} ${info.decoder.padEnd(14)} ${where}`;
}

export async function modelsCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { json: { kind: 'boolean' } });
  if (args.positionals.length > 0) throw new UsageError(`usage: ${modelsUsage}`);
  for (const name of estimatorNames()) {
    const info = estimatorModelInfo(name);
    console.log(args.booleans.has('json') ? JSON.stringify(info) : summary(info));
  }
  return 0;
}
