// The first steps every consumer of a model takes before it reasons about the network: the graph
// validated (validate.ts), pass-through
// nodes removed, then static shapes inferred and constant subgraphs folded at the model's opset.
// The session, the analysis, the writers and the checkpoint binder all start from this graph, so
// they describe exactly the network the engine runs.
import { onnxOpset, type Model } from '../graph.js';
import { validateGraph } from '../validate.js';
import { inferAndFold } from './infer-and-fold.js';
import { removeIdentities } from './remove-identity.js';
import type { TypedGraph } from './typed-graph.js';

export function prepareGraph(model: Model, inputShapes: Record<string, readonly number[]> = {}): TypedGraph {
  validateGraph(model.graph);
  return inferAndFold(removeIdentities(model.graph, onnxOpset(model)), onnxOpset(model), inputShapes);
}
