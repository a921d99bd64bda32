// `wasmpose run <model> --input <name>=<file> ... --out <dir> [--keep <value,...>]`: runs any
// supported model on inputs from .npy (float32) or ONNX TensorProto .pb files and writes each
// output, and each intermediate value named by --keep, as .npy.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../nn/formats/npy.js';
import { loadModelFile } from '../../nn/formats/load-file.js';
import { readTensorProto } from '../../nn/formats/onnx/tensor-proto.js';
import { InputError } from '../../nn/errors.js';
import { Session } from '../../nn/session.js';
import { fromNumbers, isFloatType, toFloat32, toNumbers, type Tensor } from '../../nn/tensor.js';
import { parseArgs, UsageError } from '../args.js';
import { readInputFile, writeOutputFile } from '../files.js';

export const runUsage = 'wasmpose run <model> --input <name>=<file.npy|file.pb> [--input ...] --out <dir> [--keep <value,...>] [--list-values]';

/** An output name made safe as a file name: characters outside [A-Za-z0-9._-] become '_'. */
export function outputFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;
}

function readTensorFile(path: string): Tensor {
  const bytes = readInputFile(path, 'input file');
  if (path.endsWith('.npy')) return readNpy(bytes);
  if (path.endsWith('.pb')) return readTensorProto(bytes).tensor;
  throw new InputError(`input file '${path}': expected a .npy or .pb file`);
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { input: { kind: 'list' }, out: { kind: 'string' }, keep: { kind: 'list' }, 'list-values': { kind: 'boolean' } });
  const [modelPath] = args.positionals;
  const outDir = args.strings.get('out');
  const listValues = args.booleans.has('list-values');
  if (modelPath === undefined || (outDir === undefined && !listValues)) throw new UsageError(`usage: ${runUsage}`);
  const keep = (args.lists.get('keep') ?? []).flatMap((list) => list.split(',')).filter((name) => name !== '');
  // A Map: input names come from the user and the model file ('constructor' is a legal one).
  const feeds = new Map<string, Tensor>();
  for (const spec of args.lists.get('input') ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects <name>=<file>, got '${spec}'`);
    feeds.set(spec.slice(0, eq), readTensorFile(spec.slice(eq + 1)));
  }
  const model = loadModelFile(modelPath);
  const inputShapes = Object.fromEntries([...feeds].map(([name, t]) => [name, [...t.shape]]));
  const session = await Session.create(model, { inputShapes });
  if (listValues) {
    // What --keep takes: every value a step writes, in run order.
    for (const name of session.values) console.log(name);
    session.dispose();
    return 0;
  }
  const runtimeFeeds = Object.fromEntries(
    session.inputs.map((info) => {
      const t = feeds.get(info.name);
      if (t === undefined) throw new InputError(`input '${info.name}' was not given (use --input ${info.name}=<file>)`);
      return [info.name, isFloatType(info.dtype) ? toFloat32(t) : Int32Array.from(toNumbers(t))];
    }),
  );
  const outputs = session.run(runtimeFeeds, { keep });
  session.dispose();
  mkdirSync(outDir!, { recursive: true });
  const written = new Set<string>();
  for (const out of Object.values(outputs)) {
    const t = out.dtype === 'float32' ? { dtype: 'float32' as const, shape: out.shape, data: out.data as Float32Array } : fromNumbers('int64', out.shape, out.data);
    let file = join(outDir!, outputFileName(out.name));
    // Two names that sanitize alike ('a/b' and 'a_b') get numbered, never overwrite each other.
    for (let n = 2; written.has(file); n++) file = join(outDir!, outputFileName(`${out.name}-${n}`));
    written.add(file);
    writeOutputFile(file, writeNpy(t));
    console.log(`${out.name} [${out.shape.join(', ')}] -> ${file}`);
  }
  return 0;
}
