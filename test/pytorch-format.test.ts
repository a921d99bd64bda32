// PyTorch checkpoints written by a real PyTorch (test/fixtures/pytorch/make_fixtures.py, run with
// Debian's python3-torch 1.13): the ZIP format, the legacy format, non-contiguous and offset
// views, float16, int64, scalars; a malicious pickle is refused; damage gives clear errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, WasmposeError } from '../src/nn/errors.js';
import { readPytorchCheckpoint } from '../src/nn/formats/pytorch/reader.js';
import { seededRandom } from '../src/nn/random.js';
import { toNumbers } from '../src/nn/tensor.js';

const DIR = join(import.meta.dirname, 'fixtures/pytorch');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Record<string, { dtype: string; shape: number[]; values: number[] }>>;
const DTYPES: Record<string, string> = { float32: 'float32', float16: 'float16', int64: 'int64' };

describe('PyTorch checkpoints', () => {
  for (const [file, tensors] of Object.entries(expected)) {
    it(`reads ${file}`, () => {
      const checkpoint = readPytorchCheckpoint(readFileSync(join(DIR, file)));
      expect(checkpoint.format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
      expect([...checkpoint.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, want] of Object.entries(tensors)) {
        const got = checkpoint.tensors.get(name)!;
        expect(got.dtype, name).toBe(DTYPES[want.dtype]);
        expect([...got.shape], name).toEqual(want.shape);
        const values = toNumbers(got);
        values.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(want.values[i]!, 6));
      }
    });
  }

  it('refuses a pickle that would run code', () => {
    expect(() => readPytorchCheckpoint(readFileSync(join(DIR, 'malicious.pth')))).toThrow(/refusing to load global 'posix.system'|not a PyTorch checkpoint/);
  });

  it('gives a clear error for truncated and corrupted files', () => {
    for (const file of ['checkpoint_zip.pth', 'state_dict_legacy.pth']) {
      const bytes = readFileSync(join(DIR, file));
      for (let eighth = 0; eighth < 8; eighth++) {
        const cut = bytes.subarray(0, Math.floor((bytes.length * eighth) / 8));
        expect(() => readPytorchCheckpoint(cut), `${file} cut at ${eighth}/8`).toThrow(ModelFormatError);
      }
      const rng = seededRandom(11);
      for (let variant = 0; variant < 100; variant++) {
        const damaged = Uint8Array.from(bytes);
        for (let k = 0; k < 4; k++) damaged[Math.floor(rng() * damaged.length)] = Math.floor(rng() * 256);
        try {
          readPytorchCheckpoint(damaged);
        } catch (e) {
          expect(e, `${file} variant ${variant}: ${(e as Error).message}`).toBeInstanceOf(WasmposeError);
        }
      }
    }
  });
});
