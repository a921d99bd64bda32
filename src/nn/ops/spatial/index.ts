import type { OpDef } from '../types.js';

export const spatialOps: OpDef[] = [];
