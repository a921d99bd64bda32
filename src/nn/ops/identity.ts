// Identity (and Dropout at inference): output 0 is input 0. Most are removed before planning
// (passes/remove-identity.ts); one that produces a graph output stays as a zero-copy alias.
import type { OpDef } from './types.js';

function passThrough(type: string): OpDef {
  return {
    type,
    aliasesInput: true,
    inferTypes: ({ inputs }) => [inputs[0]!],
    reference: ({ inputs }) => [inputs[0]!],
  };
}

export const identityOps: OpDef[] = [passThrough('Identity'), passThrough('Dropout')];
