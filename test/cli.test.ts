// The command-line contract other tools rely on: run, bench --json, convert, --help, and errors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { outputFileName } from '../src/cli/commands/run.js';
import { readNpy, writeNpy } from '../src/nn/formats/npy.js';
import { writeOnnx } from '../src/nn/formats/onnx/writer.js';
import { writeTensorProto } from '../src/nn/formats/onnx/tensor-proto.js';
import { float32, toFloat32 } from '../src/nn/tensor.js';
import { cli } from './support/cli.js';
import { randomTensor, seededRandom, singleNodeModel } from './support/harness.js';
import { runOrt } from './support/ort.js';

const ROOT = resolve(import.meta.dirname, '..');

afterEach(() => vi.restoreAllMocks());

describe('wasmpose CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmpose-cli-'));
  const model = singleNodeModel({ op: 'Relu', inputs: [{ name: 'x:0', dtype: 'float32', shape: [1, 2, 3, 3] }], outputs: ['y/out:0'] });
  const modelPath = join(dir, 'relu.onnx');
  writeFileSync(modelPath, writeOnnx(model));
  const x = randomTensor([1, 2, 3, 3], seededRandom(5));

  it('--help lists the commands', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const command of ['run', 'bench', 'convert']) expect(out).toContain(command);
  });

  it('run: .npy and .pb inputs, outputs as .npy named safely', async () => {
    writeFileSync(join(dir, 'x.npy'), writeNpy(x));
    writeFileSync(join(dir, 'x.pb'), writeTensorProto('x:0', x));
    for (const input of ['x.npy', 'x.pb']) {
      const outDir = join(dir, `out-${input}`);
      const { code } = await cli('run', modelPath, '--input', `x:0=${join(dir, input)}`, '--out', outDir);
      expect(code).toBe(0);
      expect(outputFileName('y/out:0')).toBe('y_out_0.npy');
      const y = readNpy(readFileSync(join(outDir, 'y_out_0.npy')));
      expect(Array.from(toFloat32(y))).toEqual(Array.from(toFloat32(x), (v) => Math.max(v, 0)));
    }
  });

  it('run --keep writes intermediate values as .npy beside the outputs; --list-values names them', async () => {
    const graph = singleNodeModel({ op: 'Relu', inputs: [{ name: 'x:0', dtype: 'float32', shape: [1, 2, 3, 3] }], outputs: ['hidden/relu'] });
    graph.graph.outputs = [{ name: 'y', dtype: 'float32' }];
    graph.graph.nodes.push({ name: 'neg', op: 'Neg', domain: '', inputs: ['hidden/relu'], outputs: ['y'], attrs: {} });
    const chainPath = join(dir, 'chain.onnx');
    writeFileSync(chainPath, writeOnnx(graph));
    writeFileSync(join(dir, 'x.npy'), writeNpy(x));
    const listed = await cli('run', chainPath, '--list-values');
    expect(listed.out.split('\n')).toEqual(['x:0', 'hidden/relu', 'y']);
    const outDir = join(dir, 'out-keep');
    const { code } = await cli('run', chainPath, '--input', `x:0=${join(dir, 'x.npy')}`, '--out', outDir, '--keep', 'hidden/relu');
    expect(code).toBe(0);
    const relu = Array.from(toFloat32(x), (v) => Math.max(v, 0));
    expect(Array.from(toFloat32(readNpy(readFileSync(join(outDir, 'hidden_relu.npy')))))).toEqual(relu);
    expect(Array.from(toFloat32(readNpy(readFileSync(join(outDir, 'y.npy')))))).toEqual(relu.map((v) => -v));
    const bad = await cli('run', chainPath, '--input', `x:0=${join(dir, 'x.npy')}`, '--out', outDir, '--keep', 'nothing');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/cannot keep 'nothing'/);
  });

  it('run: a wrong input shape is a clear error with exit code 1', async () => {
    writeFileSync(join(dir, 'bad.npy'), writeNpy(float32([1, 2, 3, 4])));
    const { code, err } = await cli('run', modelPath, '--input', `x:0=${join(dir, 'bad.npy')}`, '--out', join(dir, 'bad'));
    expect(code).toBe(1);
    expect(err).toMatch(/\[1, 2, 3, 3\]/);
  });

  it('bench --json prints the contract fields', async () => {
    const { code, out } = await cli('bench', modelPath, '--runs', '3', '--warmup', '1', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out) as Record<string, number>;
    expect(Object.keys(result).sort()).toEqual(['median_ms', 'min_ms', 'model', 'peak_bytes', 'runs', 'threads', 'times_ms']);
    expect(result.runs).toBe(3);
    expect(result.threads).toBe(1);
    expect(result.times_ms).toHaveLength(3);
  });

  it('bench --baseline: exit 1 when slower beyond the noise, 0 otherwise; --out and --tracker files', async () => {
    const stored = join(dir, 'stored.json');
    const tracker = join(dir, 'tracker.json');
    expect((await cli('bench', modelPath, '--runs', '8', '--warmup', '1', '--out', stored, '--tracker', tracker)).code).toBe(0);
    const result = JSON.parse(readFileSync(stored, 'utf8')) as { times_ms: number[]; median_ms: number };
    expect(result.times_ms).toHaveLength(8);
    expect(JSON.parse(readFileSync(tracker, 'utf8'))).toEqual([{ name: `${modelPath} x1`, unit: 'ms', value: result.median_ms, extra: 'median of 8 runs' }]);
    // A baseline 1000x faster than any run can be: this run is slower, significantly and by far.
    const fast = join(dir, 'fast.json');
    writeFileSync(fast, JSON.stringify({ ...result, times_ms: result.times_ms.map((t) => t / 1000) }));
    const slower = await cli('bench', modelPath, '--runs', '8', '--warmup', '1', '--baseline', fast, '--json');
    expect(slower.code).toBe(1);
    expect((JSON.parse(slower.out) as { comparison: { verdict: string } }).comparison.verdict).toBe('slower');
    const slow = join(dir, 'slow.json');
    writeFileSync(slow, JSON.stringify({ ...result, times_ms: result.times_ms.map((t) => t * 1000) }));
    const faster = await cli('bench', modelPath, '--runs', '8', '--warmup', '1', '--baseline', slow);
    expect(faster.code).toBe(0);
    expect(faster.out).toMatch(/Mann-Whitney U[\s\S]*\| faster \|/);
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ median_ms: 1 }));
    const old = await cli('bench', modelPath, '--baseline', join(dir, 'old.json'));
    expect(old.code).toBe(1);
    expect(old.err).toMatch(/no per-run times/);
  });

  it('convert: Caffe to ONNX that ONNX Runtime runs', async () => {
    const prototxt = join(dir, 'tiny.prototxt');
    writeFileSync(prototxt, 'input: "data"\ninput_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4\nlayer { name: "relu" type: "ReLU" bottom: "data" top: "out" }\n');
    const out = join(dir, 'tiny.onnx');
    expect((await cli('convert', prototxt, '--out', out)).code).toBe(1); // no weights beside it
    writeFileSync(join(dir, 'tiny.caffemodel'), new Uint8Array());
    expect((await cli('convert', prototxt, '--out', out)).code).toBe(0);
    const { readOnnx } = await import('../src/nn/formats/onnx/reader.js');
    const data = randomTensor([1, 3, 4, 4], seededRandom(2));
    const result = await runOrt(readOnnx(readFileSync(out)), { data });
    expect(result['out']!.data).toEqual(Array.from(toFloat32(data), (v) => Math.max(v, 0)));
  });

  it('unknown commands and options exit with 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('bench', modelPath, '--frob')).code).toBe(2);
  });

  it.skipIf(!existsSync(join(ROOT, 'dist/src/cli/main.js')))('bin/wasmpose.js runs the built CLI', () => {
    expect(execFileSync(process.execPath, [join(ROOT, 'bin/wasmpose.js'), '--help'], { encoding: 'utf8' })).toContain('commands:');
  });
});
