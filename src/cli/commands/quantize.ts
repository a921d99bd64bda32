// `wasmpose quantize <model> --calibrate <images dir> --out <model.int8.onnx>`: post-training
// static quantization (src/quantize/): the float network runs on the calibration photos through
// its estimator's preprocessing, each quantized activation's range is recorded (--method minmax,
// or percentile with --percentile), and a QDQ ONNX file is written: int8 per-channel symmetric
// weights (batch normalization folded first; biases corrected for their rounding), uint8 activations, int32 biases; the output
// heads stay float unless --heads int8. ONNX Runtime runs the file; wasmpose runs it on its
// integer kernels (`eval --weights`, `estimate --weights`).
import { readdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeImage } from '../../image/codec.js';
import { InputError } from '../../nn/errors.js';
import { readFileOrThrow } from '../../nn/formats/load-file.js';
import { writeOnnx } from '../../nn/formats/onnx/writer.js';
import { loadEstimatorModel } from '../../pipeline/create.js';
import { calibrate, networkInputShape, type RangeMethod } from '../../quantize/calibrate.js';
import { foldForQuantization, quantizableConvs, quantizeModel } from '../../quantize/qdq.js';
import { intFlag, parseArgs, UsageError } from '../args.js';

export const quantizeUsage =
  'wasmpose quantize <model> --calibrate <images dir> --out <model.int8.onnx> [--weights <file>] [--method minmax|percentile] [--percentile 99.99] [--heads float|int8] [--limit N] [--threads N]';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

export async function quantizeCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    calibrate: { kind: 'string' }, out: { kind: 'string' }, weights: { kind: 'string' }, method: { kind: 'string' },
    percentile: { kind: 'string' }, heads: { kind: 'string' }, limit: { kind: 'string' }, threads: { kind: 'string' },
  });
  const [name, extra] = args.positionals;
  const dir = args.strings.get('calibrate');
  const out = args.strings.get('out');
  if (name === undefined || extra !== undefined || dir === undefined || out === undefined) throw new UsageError(`usage: ${quantizeUsage}`);
  const methodName = args.strings.get('method') ?? 'minmax';
  let method: RangeMethod;
  if (methodName === 'minmax') method = { kind: 'minmax' };
  else if (methodName === 'percentile') {
    const p = Number(args.strings.get('percentile') ?? '99.99');
    if (!(p > 50 && p <= 100)) throw new UsageError(`--percentile must be in (50, 100], got '${args.strings.get('percentile')}'`);
    method = { kind: 'percentile', percentile: p };
  } else throw new UsageError(`--method must be minmax or percentile, got '${methodName}'`);
  const heads = args.strings.get('heads') ?? 'float';
  if (heads !== 'float' && heads !== 'int8') throw new UsageError(`--heads must be float or int8, got '${heads}'`);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  } catch (e) {
    throw new InputError(`cannot read the calibration folder '${dir}': ${(e as Error).message}`);
  }
  const limit = intFlag(args, 'limit', files.length, 1);
  files = files.slice(0, limit);
  if (files.length === 0) throw new InputError(`no .jpg or .png photos in '${dir}'`);

  const loaded = loadEstimatorModel(name, args.strings.get('weights'));
  const spec = loaded.spec;
  const model = foldForQuantization(loaded.model, { [spec.inputName]: networkInputShape(spec) });
  const ranges = await calibrate(model, spec, files.map((f) => () => decodeImage(readFileOrThrow(join(dir, f)))), {
    method,
    threads: intFlag(args, 'threads', 1, 1),
    onImage: (done, total) => process.stderr.write(`\rcalibrating ${name}: ${done}/${total} photos`),
  });
  process.stderr.write('\n');
  const quantized = quantizeModel(model, ranges, { heads });
  writeFileSync(out, writeOnnx(quantized));
  const convs = quantizableConvs(model.graph, { heads }).length;
  const all = model.graph.nodes.filter((n) => n.op === 'Conv').length;
  console.log(`${out}: ${name} quantized (${convs} of ${all} convolutions int8, ${all - convs} kept float as output heads, ${methodName}${method.kind === 'percentile' ? ` ${method.percentile}` : ''} ranges from ${files.length} photos in ${dir})`);
  return 0;
}
