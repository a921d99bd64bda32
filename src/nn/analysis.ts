// Parameter and compute counts of a model, read off the graph after the engine's own shape
// inference (prepareGraph), so they describe exactly the network the engine runs.
//
// Conventions, chosen to reproduce the published model cards (checked in test/models.test.ts):
//
// - Parameters are the elements of the float initializers the nodes read as weights, each counted
//   once. Batch normalization is counted as it is deployed, folded into the convolution before
//   it (Open Model Zoo's cards count the OpenVINO IR, where Model Optimizer has done that fold):
//   a BatchNormalization after a bias-less Conv adds C parameters (the folded shift becomes the
//   conv's bias), after a Conv with a bias it adds none (the shift merges into that bias), and a
//   stand-alone one adds 2C (a per-channel scale and shift). Its running statistics are never
//   counted. This gives human-pose-estimation-0001 4,098,674 parameters (card: 4.099 M); counting
//   the four batch-norm vectors instead would give 4,125,874.
//   Inputs that configure an op rather than weigh it (Resize scales and sizes, Pad values, Clip
//   bounds, quantization scales and zero points, single values such as FakeQuantize's per-tensor
//   ranges and levels) are not parameters.
//   Weights are counted as the engine reads them, after constant folding: weights stored as
//   int8 or uint8 (an OpenVINO FP16-INT8 IR's Const i8 -> Convert -> Multiply, or weights through
//   FakeQuantize, or an ONNX DequantizeLinear on int8 weights) count once, as the folded weight
//   the convolution reads, like their float originals; int8/uint8 weights that quantized ops
//   (QLinearConv, ConvInteger, ...) read directly count as they are.
//
// - MACs (multiply-adds) are counted for Conv (output elements x Cin/group x kh x kw),
//   ConvTranspose (input elements x Cout/group x kh x kw), Gemm and MatMul (output elements x
//   the reduced dimension). Nothing else counts: element-wise ops, activations, batch norm,
//   pooling, resizing and concatenation are left out.
//
// - GFLOPs = 2 x MACs / 1e9: two floating-point operations (a multiply and an add) per
//   multiply-add, as the Open Model Zoo cards count. On human-pose-estimation-0001 this gives
//   15.372 GFLOPs against the card's 15.435: the card's tool (OpenVINO's model analyzer) also
//   counts about one operation per element of bias adds, activations and residual adds, 0.4 %
//   of the total, which this count leaves out. Papers that quote multiply-adds as "FLOPs" differ:
//   HRNet's 7.1 GFLOPs for W32 at 256x192 is its code's multiply-adds / 2^30 (`macs / 2 ** 30`
//   here: 7.12), i.e. 15.29 GFLOPs in this convention.
import { attrInt, type Model, type Node } from './graph.js';
import { prepareGraph } from './passes/prepare-graph.js';
import { producers, type TypedGraph } from './passes/typed-graph.js';
import { isFloatType, sizeOf, type DType } from './tensor.js';

export interface NodeCost {
  name: string;
  op: string;
  /** Multiply-adds of this node (0 for ops that are not counted). */
  macs: number;
  /** Parameters this node reads (a weight shared by several nodes counts at its first reader). */
  params: number;
}

export interface ModelAnalysis {
  params: number;
  macs: number;
  /** 2 x macs / 1e9. */
  gflops: number;
  /** Every node the engine runs, in run order. */
  perNode: NodeCost[];
  /** How many nodes of each op type the engine runs. */
  ops: Record<string, number>;
}

/** Inputs (by position) that configure an op and are not parameters even when they are float constants. */
const CONFIGURATION_INPUTS = new Map<string, readonly number[]>(Object.entries({
  Resize: [1, 2, 3],
  Upsample: [1],
  Pad: [1, 2, 3],
  Clip: [1, 2],
  QuantizeLinear: [1, 2],
  DequantizeLinear: [1, 2],
  QLinearConv: [1, 2, 4, 5, 6, 7],
  QLinearMatMul: [1, 2, 4, 5, 6, 7],
  QLinearAdd: [1, 2, 4, 5, 6, 7],
  ConvInteger: [2, 3],
  MatMulInteger: [2, 3],
}));

/** Element types a weight is stored in: float, or the 8-bit integers of quantized weights. */
function isWeightType(dtype: DType): boolean {
  return isFloatType(dtype) || dtype === 'int8' || dtype === 'uint8';
}

/**
 * Counts parameters and multiply-adds of a model. `inputShapes` gives concrete shapes for inputs
 * declared with symbolic or unknown dimensions, as for Session.create.
 */
export function analyzeModel(model: Model, inputShapes?: Record<string, readonly number[]>): ModelAnalysis {
  const graph = prepareGraph(model, inputShapes);
  const byOutput = producers(graph);
  const counted = new Set<string>();

  const perNode = graph.nodes.map((node): NodeCost => {
    let params = 0;
    if (node.op === 'BatchNormalization') {
      params = foldedBatchNormParams(node, graph, byOutput);
    } else {
      const skipped = CONFIGURATION_INPUTS.get(node.op) ?? [];
      node.inputs.forEach((name, i) => {
        const t = graph.constants.get(name);
        if (t === undefined || skipped.includes(i) || !isWeightType(t.dtype) || sizeOf(t.shape) === 1 || counted.has(name)) return;
        counted.add(name);
        params += sizeOf(t.shape);
      });
    }
    return { name: node.name, op: node.op, macs: multiplyAdds(node, graph), params };
  });

  const ops: Record<string, number> = {};
  for (const node of graph.nodes) ops[node.op] = (ops[node.op] ?? 0) + 1;
  const params = perNode.reduce((sum, n) => sum + n.params, 0);
  const macs = perNode.reduce((sum, n) => sum + n.macs, 0);
  return { params, macs, gflops: (2 * macs) / 1e9, perNode, ops };
}

/** Parameters a BatchNormalization leaves in the deployed network once folded (see the header). */
function foldedBatchNormParams(node: Node, graph: TypedGraph, byOutput: Map<string, Node>): number {
  const channels = graph.types.get(node.inputs[1]!)?.shape[0] ?? 0;
  const source = byOutput.get(node.inputs[0]!);
  if (source === undefined || (source.op !== 'Conv' && source.op !== 'ConvTranspose')) return 2 * channels;
  const hasBias = source.inputs.length > 2 && source.inputs[2] !== '';
  return hasBias ? 0 : channels;
}

function multiplyAdds(node: Node, graph: TypedGraph): number {
  const shapeOf = (name: string | undefined): number[] | undefined => (name === undefined || name === '' ? undefined : graph.types.get(name)?.shape);
  const out = shapeOf(node.outputs[0]);
  if (out === undefined) return 0;
  switch (node.op) {
    case 'Conv': {
      // Weight [Cout, Cin/group, k...]: each output element reads Cin/group x k... inputs.
      const w = shapeOf(node.inputs[1]);
      return w === undefined ? 0 : sizeOf(out) * sizeOf(w.slice(1));
    }
    case 'ConvTranspose': {
      // Weight [Cin, Cout/group, k...]: each input element is spread over Cout/group x k... outputs.
      const x = shapeOf(node.inputs[0]);
      const w = shapeOf(node.inputs[1]);
      return x === undefined || w === undefined ? 0 : sizeOf(x) * sizeOf(w.slice(1));
    }
    case 'Gemm': {
      const a = shapeOf(node.inputs[0]);
      if (a === undefined) return 0;
      const reduced = attrInt(node, 'transA', 0) === 1 ? a[0]! : a[1]!;
      return sizeOf(out) * reduced;
    }
    case 'MatMul': {
      const a = shapeOf(node.inputs[0]);
      return a === undefined || a.length === 0 ? 0 : sizeOf(out) * a[a.length - 1]!;
    }
    default:
      return 0;
  }
}
