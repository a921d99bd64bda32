// Pad: grows (or, with negative pads, crops) every axis. Modes: constant (a fill value), edge
// (repeat the border element), reflect (mirror without repeating the border). Before opset 11
// pads and value are attributes; from 11 pads is input 1 (int64, all begins then all ends),
// the fill value optional input 2, and from 18 optional input 3 names the axes pads covers.
//
// Along each axis, output index o reads input index o - begin when that lies inside the input;
// outside it the mode decides. The kernel takes that mapping as one index table per axis.
import { ShapeError, UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInts, attrString, type Node } from '../../graph.js';
import { concatenate, fromNumbers, isFloatType, sizeOf, toNumbers, type Tensor } from '../../tensor.js';
import type { OpDef } from '../types.js';
import { where } from './common.js';

type PadMode = 'constant' | 'edge' | 'reflect';

interface PadArgs {
  mode: PadMode;
  /** Per axis of the input: elements added before and after (negative: removed). */
  begins: number[];
  ends: number[];
}

function padMode(node: Node): PadMode {
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'edge' && mode !== 'reflect') throw new UnsupportedOpError(`${where(node)}: mode '${mode}' is not supported (constant, edge, reflect)`);
  return mode;
}

/**
 * The pads per axis. `input(i)` gives a constant input's values (undefined when omitted);
 * the attribute form (before opset 11) is recognized by the pads attribute being present.
 */
function padArgs(node: Node, rank: number, input: (index: number) => number[] | undefined): PadArgs {
  const attr = attrInts(node, 'pads');
  const pads = attr ?? input(1);
  if (pads === undefined) throw new ShapeError(`${where(node)}: no pads given`);
  let axes = Array.from({ length: rank }, (_, i) => i);
  if (attr === undefined) {
    const given = input(3);
    if (given !== undefined) {
      axes = given.map((a) => (a < 0 ? a + rank : a));
      if (axes.some((a) => a < 0 || a >= rank) || new Set(axes).size !== axes.length) throw new ShapeError(`${where(node)}: axes [${given.join(', ')}] invalid for rank ${rank}`);
    }
  }
  if (pads.length !== 2 * axes.length) throw new ShapeError(`${where(node)}: ${pads.length} pads for ${axes.length} axes (expected begins then ends)`);
  const begins = new Array<number>(rank).fill(0);
  const ends = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begins[a] = pads[i]!;
    ends[a] = pads[i + axes.length]!;
  });
  return { mode: padMode(node), begins, ends };
}

function outputShape(node: Node, shape: readonly number[], { mode, begins, ends }: PadArgs): number[] {
  return shape.map((d, a) => {
    const out = d + begins[a]! + ends[a]!;
    if (out < 0) throw new ShapeError(`${where(node)}: pads ${begins[a]}, ${ends[a]} on axis ${a} of size ${d} leave a negative size`);
    if (mode !== 'constant' && d === 0 && out > 0) throw new ShapeError(`${where(node)}: ${mode} padding of an empty axis ${a}`);
    return out;
  });
}

/** The input index output index o of an axis reads, or -1 for the fill value. */
export function sourceIndex(o: number, begin: number, size: number, mode: PadMode): number {
  let i = o - begin;
  if (i >= 0 && i < size) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge' || size === 1) return Math.min(Math.max(i, 0), size - 1);
  // reflect: mirror about the first and last elements, repeating for pads wider than the axis.
  const period = 2 * (size - 1);
  i = ((i % period) + period) % period;
  return i < size ? i : period - i;
}

function fillValue(node: Node, inputs: readonly (Tensor | undefined)[]): number {
  if (attrInts(node, 'pads') !== undefined) return attrFloat(node, 'value', 0);
  const t = inputs[2];
  return t === undefined || t.data.length === 0 ? 0 : toNumbers(t)[0]!;
}

export const pad: OpDef = {
  type: 'Pad',
  inferTypes: ({ node, inputs, constants }) => {
    const x = inputs[0]!;
    const args = padArgs(node, x.shape.length, (i) => {
      if (node.inputs[i] === undefined || node.inputs[i] === '') return undefined;
      const t = constants[i];
      if (t === undefined) throw new UnsupportedOpError(`${where(node)}: input ${i} ('${node.inputs[i]}') is computed at run time; the engine plans static shapes, so pads and axes must be constants`);
      return toNumbers(t);
    });
    return [{ dtype: x.dtype, shape: outputShape(node, x.shape, args) }];
  },
  reference: ({ node, inputs }) => {
    const x = inputs[0]!;
    const args = padArgs(node, x.shape.length, (i) => (inputs[i] === undefined ? undefined : toNumbers(inputs[i]!)));
    const shape = outputShape(node, x.shape, args);
    const value = fillValue(node, inputs);
    const source = toNumbers(x);
    const n = sizeOf(shape);
    const values = new Array<number>(n);
    const index = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < n; o++) {
      // Row-major source offset of output element `index`, or -1 when any axis reads the fill.
      let offset = 0;
      for (let a = 0; a < shape.length; a++) {
        const i = sourceIndex(index[a]!, args.begins[a]!, x.shape[a]!, args.mode);
        if (i < 0) {
          offset = -1;
          break;
        }
        offset = offset * x.shape[a]! + i;
      }
      values[o] = offset < 0 ? value : source[offset]!;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++index[a]! < shape[a]!) break;
        index[a] = 0;
      }
    }
    return [fromNumbers(x.dtype, shape, values)];
  },
  plan: ({ node, inputs, constants, outputs }) => {
    const x = inputs[0]!;
    // The kernel moves 4-byte floats and fills with a float known at load.
    if (!isFloatType(x.dtype) || sizeOf(outputs[0]!.shape) === 0) return undefined;
    if (attrInts(node, 'pads') === undefined && node.inputs[2] !== undefined && node.inputs[2] !== '' && constants[2] === undefined) return undefined;
    const args = padArgs(node, x.shape.length, (i) => (node.inputs[i] === undefined || node.inputs[i] === '' ? undefined : toNumbers(constants[i]!)));
    const value = fillValue(node, constants);
    const axes = kernelAxes(x.shape, args);
    if (axes === undefined) return undefined;
    const [a0, a1, a2, a3] = axes as [MergedAxis, MergedAxis, MergedAxis, MergedAxis];
    const run = longestRun(a3.table);
    return {
      calls: [{
        fn: 'padRows',
        args: [{ input: 0 }, { output: 0 }, { packed: 0 }, a0.output, a1.output, a2.output, a3.output, a1.input, a2.input, a3.input, run.start, run.end, run.from, value],
        parallel: a0.output * a1.output * a2.output,
      }],
      packed: [concatenate([a0.table, a1.table, a2.table, a3.table], (n) => new Int32Array(n))],
    };
  },
};

interface MergedAxis {
  input: number;
  output: number;
  padded: boolean;
  /** Input index per output index, -1 for the fill value. */
  table: Int32Array;
}

function indexTable(output: number, begin: number, size: number, mode: PadMode): Int32Array {
  const table = new Int32Array(output);
  for (let o = 0; o < output; o++) table[o] = sourceIndex(o, begin, size, mode);
  return table;
}

/**
 * Index tables per axis for at most four axes: a rank above four merges unpadded axes into the
 * axis before them (their tables multiply out); undefined when that cannot reach four.
 */
function kernelAxes(shape: readonly number[], { mode, begins, ends }: PadArgs): MergedAxis[] | undefined {
  const axes = shape.map((size, a) => {
    const output = size + begins[a]! + ends[a]!;
    return { input: size, output, padded: begins[a] !== 0 || ends[a] !== 0, table: indexTable(output, begins[a]!, size, mode) };
  });
  while (axes.length > 4) {
    const a = axes.findIndex((axis, i) => i > 0 && !axis.padded);
    if (a < 0) return undefined;
    const [outer, inner] = [axes[a - 1]!, axes[a]!];
    const table = new Int32Array(outer.output * inner.input);
    for (let o = 0; o < table.length; o++) {
      const i = outer.table[Math.floor(o / inner.input)]!;
      table[o] = i < 0 ? -1 : i * inner.input + (o % inner.input);
    }
    axes.splice(a - 1, 2, { input: outer.input * inner.input, output: outer.output * inner.input, padded: outer.padded, table });
  }
  while (axes.length < 4) axes.unshift({ input: 1, output: 1, padded: false, table: Int32Array.of(0) });
  return axes;
}


/** The longest stretch of a table that reads consecutive input elements: copied in one go. */
function longestRun(table: Int32Array): { start: number; end: number; from: number } {
  let best = { start: 0, end: 0, from: 0 };
  let o = 0;
  while (o < table.length) {
    if (table[o]! < 0) {
      o++;
      continue;
    }
    const start = o++;
    while (o < table.length && table[o] === table[o - 1]! + 1) o++;
    if (o - start > best.end - best.start) best = { start, end: o, from: table[start]! };
  }
  return best;
}
