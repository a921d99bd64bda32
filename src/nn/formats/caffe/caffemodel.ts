// The binary .caffemodel: a NetParameter whose layers carry their weights as BlobProtos. Only
// what binding needs is read (layer names, types and blobs); the topology comes from the
// .prototxt. Both the current `layer` (LayerParameter) and the legacy `layers`
// (V1LayerParameter) are read. The writer produces the same form, for tests and conversion.
import { ModelFormatError } from '../../errors.js';
import { float32, sizeOf, type Tensor } from '../../tensor.js';
import { messageSchema, ProtoReader, ProtoWriter } from '../protobuf.js';

const NET = messageSchema('NetParameter', { name: 1, layers: 2, input: 3, input_dim: 4, input_shape: 8, layer: 100 });
const LAYER = messageSchema('LayerParameter', { name: 1, type: 2, bottom: 3, top: 4, blobs: 7 });
const V1_LAYER = messageSchema('V1LayerParameter', { bottom: 2, top: 3, name: 4, type: 5, blobs: 6 });
const BLOB = messageSchema('BlobProto', { num: 1, channels: 2, height: 3, width: 4, data: 5, diff: 6, shape: 7, double_data: 8 });
const BLOB_SHAPE = messageSchema('BlobShape', { dim: 1 });

export interface CaffemodelLayer {
  name: string;
  /** The type string (current format) or V1 enum number as text. */
  type: string;
  blobs: Tensor[];
}

function readBlob(r: ProtoReader): Tensor {
  const legacy = [0, 0, 0, 0];
  let shape: number[] | undefined;
  const data: number[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1: case 2: case 3: case 4: legacy[r.field - 1] = r.int64(); break;
      case 5: r.floats(data); break;
      case 8: r.doubles(data); break;
      case 7: {
        const s = r.message(BLOB_SHAPE);
        shape = [];
        while (s.next()) {
          if (s.field === 1) s.int64s(shape);
          else s.skip();
        }
        break;
      }
      default: r.skip();
    }
  }
  // Legacy blobs give num, channels, height, width (a bias is 1x1x1xN); only the element count matters to binding.
  const dims = shape ?? legacy.filter((d) => d > 0);
  if (sizeOf(dims) !== data.length) throw new ModelFormatError(`caffemodel blob of shape [${dims.join(', ')}] holds ${data.length} values`, `byte ${r.startOffset}`);
  return float32(dims, data);
}

export function readCaffemodel(bytes: Uint8Array): CaffemodelLayer[] {
  const net = ProtoReader.root(bytes, NET);
  const layers: CaffemodelLayer[] = [];
  while (net.next()) {
    if (net.field !== 100 && net.field !== 2) {
      net.skip();
      continue;
    }
    const v1 = net.field === 2;
    const r = net.message(v1 ? V1_LAYER : LAYER);
    const layer: CaffemodelLayer = { name: '', type: '', blobs: [] };
    while (r.next()) {
      if (r.field === (v1 ? 4 : 1)) layer.name = r.string();
      else if (r.field === (v1 ? 5 : 2)) layer.type = v1 ? String(r.int32()) : r.string();
      else if (r.field === (v1 ? 6 : 7)) layer.blobs.push(readBlob(r.message(BLOB)));
      else r.skip();
    }
    layers.push(layer);
  }
  return layers;
}

/** Weights by layer name, as the prototxt reader binds them. */
export function caffemodelWeights(bytes: Uint8Array): Map<string, Tensor[]> {
  return new Map(readCaffemodel(bytes).filter((l) => l.blobs.length > 0).map((l) => [l.name, l.blobs]));
}

export function writeCaffemodel(name: string, layers: CaffemodelLayer[]): Uint8Array {
  const net = new ProtoWriter().string(NET.fields.name, name);
  for (const layer of layers) {
    const l = new ProtoWriter().string(LAYER.fields.name, layer.name).string(LAYER.fields.type, layer.type);
    for (const blob of layer.blobs) {
      const shape = new ProtoWriter().packedInt64s(BLOB_SHAPE.fields.dim, [...blob.shape]);
      l.message(LAYER.fields.blobs, new ProtoWriter().message(BLOB.fields.shape, shape).packedFloats(BLOB.fields.data, blob.data as Float32Array));
    }
    net.message(NET.fields.layer, l);
  }
  return net.finish();
}
