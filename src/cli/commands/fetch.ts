// `wasmpose fetch <model>`: downloads a seed network's published weights (weights/sources.json)
// into the cache, verified against the publisher's checksum, and says where they are and how the
// engine reads them.
import { resolve } from 'node:path';
import { WeightsError } from '../../nn/errors.js';
import { defaultCacheDir, fetchModelWeights, precisionsOf, type FetchedFile } from '../../download/fetch.js';
import { loadSources, type WeightFile } from '../../download/sources.js';
import { parseArgs, UsageError } from '../args.js';

export const fetchUsage = 'wasmpose fetch <model> [--precision FP32|FP16] [--cache <dir>] [--mirror <url>] [--timeout <seconds>] [--sources <file.json>]';

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** One line on stderr per file; on a terminal, a bar redrawn in place while it downloads. */
class Progress {
  private lastDraw = 0;
  private drawing = false;
  constructor(private readonly tty: boolean) {}

  update(file: WeightFile, bytes: number, total: number | undefined): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && bytes !== total) return;
    this.lastDraw = now;
    const width = 30;
    let line = `${file.name} ${mib(bytes)}`;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(bytes / total, 1);
      const filled = Math.round(fraction * width);
      line = `${file.name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mib(bytes)}/${mib(total)}`;
    }
    process.stderr.write(`\r${line} MiB\x1b[K`);
    this.drawing = true;
  }

  line(text: string): void {
    this.clear();
    console.error(text);
  }

  /** Removes a bar left half-drawn by a failed download. */
  clear(): void {
    if (this.drawing) process.stderr.write('\r\x1b[K');
    this.drawing = false;
  }
}

function fileSummary(fetched: FetchedFile): string {
  const { file, outcome } = fetched;
  const what = { cached: 'already in the cache', downloaded: 'downloaded', resumed: 'downloaded (resumed)' }[outcome.how];
  return `${file.name}: ${what}, ${mib(outcome.bytes)} MiB, ${file.checksum.algorithm} verified`;
}

/** How the engine takes each kind of file. */
function usageHints(model: string, fetched: readonly FetchedFile[]): string[] {
  const hints: string[] = [];
  for (const { file, outcome, extracted } of fetched) {
    if (file.name.endsWith('.xml')) {
      hints.push(`OpenVINO IR: the engine's IR reader runs it directly, no conversion step (the .bin beside it is found): npx wasmpose bench ${outcome.path}`);
    } else if (extracted !== undefined) {
      hints.push(
        `extracted ${extracted}: a PyTorch checkpoint, read by the engine's own PyTorch reader (no Python); its state-dict keys are the parameter names of the built-in ${model} definition`,
      );
    } else if (file.name.endsWith('.caffemodel')) {
      hints.push(`Caffe weights: use them with CMU's pose_deploy_linevec.prototxt: npx wasmpose convert pose_deploy_linevec.prototxt --weights ${outcome.path} --out ${model}.onnx`);
    }
  }
  return hints;
}

export async function fetchCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { precision: { kind: 'string' }, cache: { kind: 'string' }, mirror: { kind: 'string' }, timeout: { kind: 'string' }, sources: { kind: 'string' } });
  // --sources: another list in the form of weights/sources.json (a private mirror's own files).
  const sources = loadSources(args.strings.get('sources'));
  const models = Object.keys(sources).join(', ');
  const [model, ...extra] = args.positionals;
  if (model === undefined || extra.length > 0) throw new UsageError(`usage: ${fetchUsage}\nmodels: ${models}`);
  const weights = Object.hasOwn(sources, model) ? sources[model] : undefined;
  if (weights === undefined) throw new UsageError(`unknown model '${model}'; models: ${models}`);
  if (weights.files.length === 0) throw new WeightsError(`${model}: no published weights with a checksum to fetch. ${weights.note ?? ''}`.trim());

  const precisions = precisionsOf(weights);
  const asked = args.strings.get('precision');
  if (asked !== undefined && precisions.length === 0) throw new UsageError(`--precision: ${model} is published in one form only`);
  if (asked !== undefined && !precisions.includes(asked)) throw new UsageError(`--precision must be one of ${precisions.join(', ')}, got '${asked}'`);
  const precision = asked ?? (precisions.includes('FP32') ? 'FP32' : precisions[0]);
  const timeoutText = args.strings.get('timeout');
  const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError(`--timeout must be a number of seconds > 0, got '${timeoutText}'`);
  const cacheDir = resolve(args.strings.get('cache') ?? defaultCacheDir());
  const mirror = args.strings.get('mirror') ?? (process.env['WASMPOSE_MIRROR'] || undefined);

  const progress = new Progress(process.stderr.isTTY === true);
  let fetched: FetchedFile[];
  try {
    fetched = await fetchModelWeights(model, weights, {
      cacheDir,
      mirror,
      precision,
      stallTimeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      onProgress: (file, bytes, total) => progress.update(file, bytes, total),
      onFetched: (done) => progress.line(fileSummary(done)),
    });
  } finally {
    progress.clear();
  }
  const variant = precision === undefined ? '' : ` ${precision}`;
  console.log(`${model}${variant} weights:`);
  for (const { outcome } of fetched) console.log(`  ${outcome.path}`);
  for (const hint of usageHints(model, fetched)) console.log(hint);
  return 0;
}
