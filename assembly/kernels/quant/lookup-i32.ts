// A table lookup over quantized values: y[i] = table[x[i] + offset]. A QLinearConv whose output
// goes through DequantizeLinear -> a float unary op (Elu, Sigmoid, ...) -> QuantizeLinear maps
// each of its 256 possible outputs to one quantized result, computed once at load
// (passes/qdq-to-qlinear.ts), so the three float passes over the tensor become one lookup; a
// DequantizeLinear followed by such an op alone looks up the op's float results (as their bits).
// WebAssembly has no vector gather: one value at a time.

/** Elements [begin, end); x and y may be the same buffer. offset: minus the type's least value. */
export function lookupI32(x: usize, table: usize, y: usize, offset: i32, begin: i32, end: i32): void {
  for (let i = begin; i < end; i++) {
    const at = <usize>i << 2;
    store<i32>(y + at, load<i32>(table + (<usize>(load<i32>(x + at) + offset) << 2)));
  }
}
