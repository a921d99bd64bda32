import type { OpDef } from '../types.js';

export const selectOps: OpDef[] = [];
