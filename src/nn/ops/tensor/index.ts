import type { OpDef } from '../types.js';

export const tensorOps: OpDef[] = [];
