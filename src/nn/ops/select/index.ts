// The select family: ops that pick elements by value or position (ArgMax, TopK, GatherND) and
// the comparisons and logic the pose models' post-processing needs beyond the elementwise ones.
import type { OpDef } from '../types.js';
import { argMax, argMin } from './argmax.js';
import { and, greaterOrEqual, lessOrEqual, or, xor } from './compare.js';
import { gatherNd } from './gather-nd.js';
import { topK } from './topk.js';

export const selectOps: OpDef[] = [argMax, argMin, topK, gatherNd, greaterOrEqual, lessOrEqual, and, or, xor];
