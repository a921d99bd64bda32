// One registry of every operator the engine runs. Ops are grouped by family; each family's
// index lists its op files. Adding an op: its file, a line in its family's index, and (for a
// WASM kernel) its assembly/kernels file and a line in assembly/index.ts.
import { UnsupportedOpError } from '../errors.js';
import type { Node } from '../graph.js';
import type { OpDef } from './types.js';
import { convOps } from './conv/index.js';
import { elementwiseOps } from './elementwise/index.js';
import { identityOps } from './identity.js';
import { quantOps } from './quant/index.js';
import { selectOps } from './select/index.js';
import { spatialOps } from './spatial/index.js';
import { tensorOps } from './tensor/index.js';

const registry = new Map<string, OpDef>();
for (const op of [...identityOps, ...convOps, ...elementwiseOps, ...spatialOps, ...selectOps, ...tensorOps, ...quantOps]) {
  if (registry.has(op.type)) throw new Error(`op ${op.type} registered twice`);
  registry.set(op.type, op);
}

export function supportedOps(): string[] {
  return [...registry.keys()].sort();
}

export function hasOp(type: string): boolean {
  return registry.has(type);
}

/** The op for a node, or a clear refusal naming the op, the node and what is supported. */
export function opFor(node: Node): OpDef {
  const standard = node.domain === '' || node.domain === 'ai.onnx';
  const op = standard ? registry.get(node.op) : undefined;
  if (op === undefined) {
    const qualified = standard ? node.op : `${node.domain}.${node.op}`;
    throw new UnsupportedOpError(
      `unsupported op ${qualified} (node '${node.name}'); supported ops: ${supportedOps().join(', ')}`,
    );
  }
  return op;
}
