import type { OpDef } from '../types.js';

export const convOps: OpDef[] = [];
