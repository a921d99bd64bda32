// Hostile files around the engine: the CLI's one-line errors, names that are Object.prototype
// keys, paths that escape the model's folder, devices and FIFOs, outputs that would follow a
// planted link or collide, and image headers that declare more than their bytes can hold.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INTERNAL_ERROR, main } from '../src/cli/main.js';
import { OutputNames, readInputFile, writeOutputFile } from '../src/cli/files.js';
import { parseSources } from '../src/download/sources.js';
import { decodeImage } from '../src/image/codec.js';
import { encodePng } from '../src/image/png-encode.js';
import { ImageError, InputError, ModelFormatError } from '../src/nn/errors.js';
import { loadModel } from '../src/nn/formats/load-file.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { setLimits } from '../src/nn/limits.js';
import { writeNpy } from '../src/nn/formats/npy.js';
import { float32 } from '../src/nn/tensor.js';
import { singleNodeModel } from './support/harness.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err };
}

/** A CLI failure: one line, a wasmpose error (never the internal-error code). */
function expectOneLineError(r: { code: number; err: string[] }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBe(INTERNAL_ERROR);
  expect(r.err).toHaveLength(1);
  expect(r.err[0]).not.toContain('\n');
  expect(r.err[0]).toMatch(pattern);
}

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'wasmpose-hostile-'));

describe('CLI errors are one line and typed', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('wasmpose %s is an unknown command', async (name) => {
    expectOneLineError(await cli(name), /unknown command/);
  });

  it('fetch __proto__ and fetch constructor are unknown models', async () => {
    for (const model of ['__proto__', 'constructor']) expectOneLineError(await cli('fetch', model), /unknown model/);
  });

  it('run --input x=missing.npy names the file in one line', async () => {
    const model = join(dir, 'relu.onnx');
    writeFileSync(model, writeOnnx(singleNodeModel({ op: 'Relu', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }], outputs: ['y'] })));
    expectOneLineError(await cli('run', model, '--input', `x=${join(dir, 'missing.npy')}`, '--out', join(dir, 'out')), /missing\.npy.*no such file/);
    expectOneLineError(await cli('inspect', join(dir, 'missing.onnx')), /missing\.onnx/);
  });

  it.each(['constructor', 'toString', '__proto__'])('run, inspect and bench take a model input and output named %s', async (name) => {
    const model = join(dir, `proto-${name}.onnx`);
    writeFileSync(model, writeOnnx(singleNodeModel({ op: 'Relu', inputs: [{ name, dtype: 'float32', shape: [1, 2] }], outputs: [`${name}`.replace(/^/, 'out_')] })));
    const input = join(dir, `in-${name}.npy`);
    writeFileSync(input, writeNpy(float32([1, 2], Float32Array.of(-1, 2))));
    const run = await cli('run', model, '--input', `${name}=${input}`, '--out', join(dir, `out-${name}`));
    expect(run.err, run.err.join('\n')).toEqual([]);
    expect(run.code).toBe(0);
    const inspect = await cli('inspect', model);
    expect(inspect.code).toBe(0);
    expect(inspect.out).toContain(name);
    const bench = await cli('bench', model, '--runs', '1', '--warmup', '0', '--json');
    expect(bench.err, bench.err.join('\n')).toEqual([]);
    expect(bench.code).toBe(0);
  });

  it('an error message holding newlines (from a file) is printed on one line', async () => {
    const model = join(dir, 'bad\nname.onnx');
    expectOneLineError(await cli('inspect', model), /bad \| name\.onnx|bad/);
  });
});

describe('paths from files stay in the model folder', () => {
  it('refuses TFJS shards outside the folder, absolute, devices and FIFOs', () => {
    const folder = join(dir, 'tfjs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
    const modelJson = (path: string): string => JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '4' }] } } } }, { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: {} } }, { name: 'y', op: 'AddV2', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' } } }] },
      weightsManifest: [{ paths: [path], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }],
      signature: { outputs: { y: { name: 'y:0' } } },
    });
    const cases: [string, RegExp][] = [['../secret.bin', /outside the model's folder/], ['/dev/zero', /outside the model's folder/], ['/etc/passwd', /outside/]];
    try {
      execFileSync('mkfifo', [join(folder, 'fifo.bin')]);
      cases.push(['fifo.bin', /not a regular file/]);
    } catch {
      // no mkfifo here: the device case above covers non-regular files
    }
    symlinkSync(join(dir, 'secret.bin'), join(folder, 'link.bin'));
    cases.push(['link.bin', /links outside/]);
    for (const [path, pattern] of cases) {
      writeFileSync(join(folder, 'model.json'), modelJson(path));
      expect(() => loadModel(join(folder, 'model.json')), path).toThrow(pattern);
      expect(() => loadModel(join(folder, 'model.json')), path).toThrow(ModelFormatError);
    }
  });

  it('refuses fetch --sources model keys that would leave the cache', () => {
    const entry = { origin: 'x', files: [], note: 'n' };
    for (const key of ['../../x', '__proto__', 'a/b', '.hidden', '']) {
      const models = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(entry)}}`);
      expect(() => parseSources({ models }), key).toThrow(ModelFormatError);
    }
    expect(Object.keys(parseSources({ models: { 'movenet-x1.0': entry } }))).toEqual(['movenet-x1.0']);
  });
});

describe('outputs never follow links and never collide', () => {
  it('refuses to write through a planted symbolic link, and leaves its target alone', () => {
    const target = join(dir, 'precious.txt');
    writeFileSync(target, 'keep me');
    const planted = join(dir, 'x_keypoints.json');
    symlinkSync(target, planted);
    expect(() => writeOutputFile(planted, '{}')).toThrow(InputError);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    writeOutputFile(join(dir, 'fresh.json'), '{}');
    writeOutputFile(join(dir, 'fresh.json'), '{"again":1}');
    expect(readFileSync(join(dir, 'fresh.json'), 'utf8')).toBe('{"again":1}');
  });

  it('gives a.jpg and a.png in one folder distinct output stems', () => {
    const names = new OutputNames(['p/a.jpg', 'p/a.png', 'p/b.jpg', 'q/b.jpg']);
    const stems = ['p/a.jpg', 'p/a.png', 'p/b.jpg', 'q/b.jpg'].map((f) => names.stemOf(f));
    expect(new Set(stems).size).toBe(4);
    expect(stems[0]).toBe('a.jpg');
    expect(stems[1]).toBe('a.png');
  });

  it('reads only regular files, with one-line typed errors', () => {
    expect(() => readInputFile('/dev/zero', 'photo')).toThrow(/not a regular file/);
    expect(() => readInputFile(dir, 'photo')).toThrow(/not a regular file/);
    expect(() => readInputFile(join(dir, 'nope.jpg'), 'photo')).toThrow(/no such file/);
    expect(existsSync(join(dir, 'nope.jpg'))).toBe(false);
  });
});

describe('image budgets before decoding', () => {
  /** A baseline JPEG frame header with the given size and component count, then nothing. */
  function forgedJpeg(width: number, height: number, components: number, padding = 0): Uint8Array {
    const sof = [0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components];
    for (let c = 0; c < components; c++) sof.push(c + 1, 0x11, 0);
    return Uint8Array.from([0xff, 0xd8, ...sof, ...new Array<number>(padding).fill(0), 0xff, 0xd9]);
  }

  it('refuses a 1 KB JPEG declaring 10000x10000 at once', () => {
    const started = performance.now();
    expect(() => decodeImage(forgedJpeg(10000, 10000, 3, 1000))).toThrow(/cannot hold/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses a JPEG declaring 40 components', () => {
    expect(() => decodeImage(forgedJpeg(8000, 8000, 40))).toThrow(/40 colour components.*maxJpegComponents/);
    expect(() => decodeImage(forgedJpeg(8, 8, 40))).toThrow(ImageError);
  });

  it('refuses a PNG whose rows its compressed bytes cannot hold, and honours maxImagePixels', () => {
    const png = encodePng({ width: 4, height: 4, data: new Uint8Array(48) });
    const forged = png.slice();
    new DataView(forged.buffer).setUint32(16, 9000);
    new DataView(forged.buffer).setUint32(20, 9000);
    expect(() => decodeImage(forged)).toThrow(ImageError);
    const previous = setLimits({ maxImagePixels: 10 });
    try {
      expect(() => decodeImage(png)).toThrow(/maxImagePixels/);
    } finally {
      setLimits(previous);
    }
    expect(decodeImage(png).width).toBe(4);
  });

  it('refuses XML character references past U+10FFFF with a typed error', () => {
    expect(() => readOpenVino('<?xml version="1.0"?><net name="&#x110000;" version="11"><layers/><edges/></net>')).toThrow(ModelFormatError);
    expect(() => readOpenVino('<net name="&#1114112;" version="11"><layers/><edges/></net>')).toThrow(/not a character/);
  });
});
