// GatherND: index tuple t in [begin, end) (of tuplesPerBatch per batch) reads tupleLength i32
// indices, each wrapped if negative, and copies the sliceSize elements (4 bytes each, any
// dtype) they address to output slice t. dimsAndStrides holds the tupleLength addressed data
// dimensions, then their strides in elements. A tuple outside the data yields zeros.

export function gatherNd(data: usize, indices: usize, out: usize, tupleLength: i32, sliceSize: i32, tuplesPerBatch: i32, batchStride: i32, dimsAndStrides: usize, begin: i32, end: i32): void {
  const sliceBytes = <usize>sliceSize << 2;
  for (let t = begin; t < end; t++) {
    let offset = <i64>(t / tuplesPerBatch) * <i64>batchStride;
    let inRange = true;
    for (let j = 0; j < tupleLength; j++) {
      let index = load<i32>(indices + ((<usize>t * <usize>tupleLength + <usize>j) << 2));
      const dim = load<i32>(dimsAndStrides + (<usize>j << 2));
      if (index < 0) index += dim;
      if (index < 0 || index >= dim) inRange = false;
      offset += <i64>index * <i64>load<i32>(dimsAndStrides + (<usize>(tupleLength + j) << 2));
    }
    const target = out + <usize>t * sliceBytes;
    if (inRange) memory.copy(target, data + (<usize>offset << 2), sliceBytes);
    else memory.fill(target, 0, sliceBytes);
  }
}
