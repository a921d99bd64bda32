// Identity and Dropout (inference mode) pass their input through: their readers read the input
// directly instead. One that produces a graph output stays, as a zero-copy alias. A Dropout mask
// that is read becomes a constant of ones.
import { attr, type Graph, type Node } from '../graph.js';
import type { Tensor } from '../tensor.js';

const PASS_THROUGH = new Set(['Identity', 'Dropout']);

/** `opset` decides only the dtype of a Dropout mask that is read (bool from 10). */
export function removeIdentities(graph: Graph, opset = 10): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const read = new Set(graph.nodes.flatMap((n) => n.inputs));
  const rename = new Map<string, string>();
  const resolve = (name: string): string => rename.get(name) ?? name;
  const nodes: Node[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(resolve);
    if (!PASS_THROUGH.has(node.op) || node.domain !== '' || inputs[0] === undefined || inputs[0] === '') {
      nodes.push({ ...node, inputs });
      continue;
    }
    const [output = '', mask = ''] = node.outputs;
    if (node.op === 'Dropout' && mask !== '' && (read.has(mask) || outputs.has(mask))) nodes.push(...inferenceMask(node, inputs[0], mask, opset));
    if (outputs.has(output)) nodes.push({ ...node, inputs: [inputs[0]], outputs: [output] });
    else if (output !== '') rename.set(output, inputs[0]);
  }
  return { ...graph, nodes };
}

/**
 * Dropout's optional mask at inference: all kept, so ones of the input's shape (bool from opset
 * 10, the input's float type before; float32 is what the engine computes in either way), as
 * Shape then ConstantOfShape, which fold to a constant at load.
 */
function inferenceMask(node: Node, input: string, mask: string, opset: number): Node[] {
  const shape = `${mask}::shape`;
  const one: Tensor = opset >= 10 ? { dtype: 'bool', shape: [1], data: Uint8Array.of(1) } : { dtype: 'float32', shape: [1], data: Float32Array.of(1) };
  return [
    { name: `${node.name}::mask_shape`, op: 'Shape', domain: '', inputs: [input], outputs: [shape], attrs: {} },
    { name: `${node.name}::mask`, op: 'ConstantOfShape', domain: '', inputs: [shape], outputs: [mask], attrs: { value: attr.tensor(one) } },
  ];
}
