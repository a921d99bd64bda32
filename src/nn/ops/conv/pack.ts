// Weight packing for the micro-kernel (assembly/kernels/conv/micro-kernel.ts), done once at plan
// time: the rows of a weight matrix regrouped into panels of MR rows, stored column by column
// (k-major, MR floats per k) so each step of the kernel broadcasts MR consecutive floats.
import type { DeferredPacking } from '../types.js';

/** Tile shape of the micro-kernel; must match MR and NR in assembly/kernels/conv/micro-kernel.ts. */
export const MR = 4;
export const NR = 8;

/**
 * Packs `groups` row-major matrices of rowsPerGroup x k (rows of `matrix`, one group after the
 * other) into ceil(rowsPerGroup / MR) panels per group, zero rows filling the last panel. Deferred:
 * the session writes the panels straight into its memory.
 */
export function packPanels(matrix: Float32Array, groups: number, rowsPerGroup: number, k: number): DeferredPacking {
  const panels = Math.ceil(rowsPerGroup / MR);
  return { length: groups * panels * k * MR, write: (out) => writePanels(matrix, groups, rowsPerGroup, k, out) };
}

/** packPanels into `out` (zero-filled: the padding rows are left as they are). */
function writePanels(matrix: Float32Array, groups: number, rowsPerGroup: number, k: number, out: Float32Array): void {
  const panels = Math.ceil(rowsPerGroup / MR);
  for (let g = 0; g < groups; g++) {
    for (let p = 0; p < panels; p++) {
      const base = (g * panels + p) * k * MR;
      for (let r = 0; r < MR; r++) {
        const row = p * MR + r;
        if (row >= rowsPerGroup) break;
        const src = (g * rowsPerGroup + row) * k;
        for (let i = 0; i < k; i++) out[base + i * MR + r] = matrix[src + i]!;
      }
    }
  }
}

/** Per-row values (a bias) laid out like packPanels' rows: ceil(rowsPerGroup / MR) * MR per group, zero-padded. */
export function packRowValues(values: Float32Array, groups: number, rowsPerGroup: number): Float32Array {
  const padded = Math.ceil(rowsPerGroup / MR) * MR;
  const out = new Float32Array(groups * padded);
  for (let g = 0; g < groups; g++) out.set(values.subarray(g * rowsPerGroup, (g + 1) * rowsPerGroup), g * padded);
  return out;
}
