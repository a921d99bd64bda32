import type { OpDef } from '../types.js';
import { relu } from './relu.js';

export const elementwiseOps: OpDef[] = [relu];
