// Static memory planning: every buffer's lifetime is known before the run, so buffers whose
// lifetimes do not overlap can share bytes. Greedy by size (largest first), each buffer placed at
// the lowest offset that no overlapping-in-time buffer occupies: simple and close to optimal for
// the chain-like graphs of pose networks.

export interface BufferRequest {
  bytes: number;
  /** First step that writes the buffer (-1: before the first step, e.g. graph inputs). */
  first: number;
  /** Last step that reads it (Infinity: read after the run, e.g. graph outputs). */
  last: number;
}

export interface MemoryPlan {
  /** Byte offset of each request, relative to the arena start. */
  offsets: number[];
  /** Arena size: the peak of simultaneously live bytes after packing. */
  bytes: number;
}

export const ALIGNMENT = 64;

export function alignUp(n: number, alignment = ALIGNMENT): number {
  return Math.ceil(n / alignment) * alignment;
}

export function planMemory(requests: readonly BufferRequest[]): MemoryPlan {
  const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.bytes - requests[a]!.bytes || a - b);
  const offsets = new Array<number>(requests.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const r = requests[i]!;
    const size = alignUp(Math.max(r.bytes, 1));
    const conflicts = placed
      .filter((j) => requests[j]!.first <= r.last && r.first <= requests[j]!.last)
      .map((j) => ({ start: offsets[j]!, end: offsets[j]! + alignUp(Math.max(requests[j]!.bytes, 1)) }))
      .sort((a, b) => a.start - b.start);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + size <= c.start) break;
      offset = Math.max(offset, c.end);
    }
    offsets[i] = offset;
    placed.push(i);
    total = Math.max(total, offset + size);
  }
  return { offsets, bytes: total };
}
