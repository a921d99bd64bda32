// `wasmpose convert <model> --out <file.onnx>`: any format the engine reads, written as ONNX by
// the project's own writer, keeping tensor names.
import { writeFileSync } from 'node:fs';
import { loadModelFile } from '../../nn/formats/load-file.js';
import { writeOnnx } from '../../nn/formats/onnx/writer.js';
import { parseArgs, parseInputShapes, UsageError } from '../args.js';

export const convertUsage = 'wasmpose convert <model.onnx|model.xml|model.prototxt> --out <file.onnx> [--weights <file>] [--input-shape <name>=<d,d,...>]';

export async function convertCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { out: { kind: 'string' }, weights: { kind: 'string' }, 'input-shape': { kind: 'list' } });
  const [modelPath] = args.positionals;
  const out = args.strings.get('out');
  if (modelPath === undefined || out === undefined) throw new UsageError(`usage: ${convertUsage}`);
  const model = loadModelFile(modelPath, { weights: args.strings.get('weights'), inputShapes: parseInputShapes(args) });
  const bytes = writeOnnx(model);
  writeFileSync(out, bytes);
  console.log(`${modelPath} -> ${out} (${model.graph.nodes.length} nodes, ${(bytes.length / 2 ** 20).toFixed(1)} MiB)`);
  return 0;
}
