// The select family: ops that pick elements by value or position (ArgMax, TopK, GatherND).
import type { OpDef } from '../types.js';
import { argMax, argMin } from './argmax.js';
import { gatherNd } from './gather-nd.js';
import { topK } from './topk.js';

export const selectOps: OpDef[] = [argMax, argMin, topK, gatherNd];
