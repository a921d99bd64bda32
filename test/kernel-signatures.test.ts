// The kernel boundary: scripts/build-wasm.js writes the kernels' signatures from assembly/ into
// src/nn/runtime/generated/kernel-signatures.ts, and plans (WasmCall) are typed by them, so a
// wrong kernel name or argument count fails to type-check. Here: the generated signatures list
// every kernel of the built module with its parameter count, and the types refuse bad calls.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WasmCall } from '../src/nn/ops/types.js';
import { instantiateKernels, kernelModule } from '../src/nn/runtime/kernels.js';

const GENERATED = new URL('../src/nn/runtime/generated/kernel-signatures.ts', import.meta.url);

/** Each kernel of the generated KernelParameters with its parameter names, in order. */
function generatedSignatures(): Map<string, string[]> {
  const text = readFileSync(GENERATED, 'utf8');
  const entries = [...text.matchAll(/^ {2}(\w+): \[(.*)\];$/gm)];
  return new Map(entries.map(([, name, params]) => [name!, params === '' ? [] : params!.split(', ').map((p) => p.split(':')[0]!)]));
}

describe('generated kernel signatures', () => {
  it('list every kernel the module exports, with its parameter count', async () => {
    const kernels = await instantiateKernels('simd', 1 << 16);
    const exported = WebAssembly.Module.exports(await kernelModule('simd', false)).filter((e) => e.kind === 'function').map((e) => e.name);
    const signatures = generatedSignatures();
    // heapBase is the one function export that is not a kernel: it returns the heap's start.
    expect([...signatures.keys()].sort()).toEqual(exported.filter((name) => name !== 'heapBase').sort());
    for (const [name, params] of signatures) {
      expect(kernels.fn(name as WasmCall['fn']).length, name).toBe(params.length);
    }
    expect(signatures.get('convDense')!.slice(-4)).toEqual(['block', 'act', 'begin', 'end']);
  });

  it('refuse a wrong kernel name or argument count (checked by tsc over the tests)', () => {
    const calls: WasmCall[] = [
      { fn: 'copyBytes', args: [{ output: 0 }, { input: 0 }, 16] },
      { fn: 'transpose2d', args: [{ output: 0 }, { input: 0 }, 1, 2, 3], parallel: 1 },
      // @ts-expect-error: no such kernel
      { fn: 'copyByte', args: [{ output: 0 }, { input: 0 }, 16] },
      // @ts-expect-error: copyBytes takes three arguments
      { fn: 'copyBytes', args: [{ output: 0 }, { input: 0 }] },
      // @ts-expect-error: a ranged kernel's plan gives the extent the executor splits
      { fn: 'transpose2d', args: [{ output: 0 }, { input: 0 }, 1, 2, 3] },
    ];
    expect(calls).toHaveLength(5);
  });
});
