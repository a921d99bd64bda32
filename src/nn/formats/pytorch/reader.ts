// PyTorch checkpoints (.pth, .pt) without Python: the ZIP container of torch >= 1.6 and the
// legacy format before it (a pickle stream followed by raw storages). The pickled object is
// read with a restricted unpickler; tensors are rebuilt from their storage, offset, size and
// strides. The result is every tensor of the state dict, keyed by its name, ready to bind into a
// network definition.
import { ModelFormatError } from '../../errors.js';
import { allocData, bytesPerElement, sizeOf, type DType, type Tensor, type TensorData } from '../../tensor.js';
import { PyDict, PyGlobal, PyOpaque, PyTuple, unpickle, type PickleHooks, type PyValue } from './pickle.js';
import { isZip, readZip } from './zip.js';

/** The element type of each storage class; bfloat16, which the engine has no dtype for, is read into float32. */
const STORAGE_TYPES = new Map<string, DType | 'bfloat16'>(Object.entries({
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  DoubleStorage: 'float64',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
}));

const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...[...STORAGE_TYPES.keys()].map((s) => `torch.${s}`),
]);

/** A storage: raw little-endian bytes of one element type. */
interface Storage {
  type: { dtype: DType | 'bfloat16'; bytes: number };
  bytes: Uint8Array;
}

export interface Checkpoint {
  format: 'zip' | 'legacy';
  /** Every tensor found, keyed by its state-dict name (nested dicts joined with '.'). */
  tensors: Map<string, Tensor>;
}

/** Legacy files start with this pickled magic number. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export function readPytorchCheckpoint(bytes: Uint8Array): Checkpoint {
  if (isZip(bytes)) {
    const entries = readZip(bytes);
    const pklName = [...entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
    if (pklName === undefined) throw new ModelFormatError('PyTorch ZIP checkpoint without data.pkl');
    const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
    const hooks = makeHooks((pid) => {
      const [kind, storageType, key] = tupleItems(pid, 'persistent id');
      if (kind !== 'storage') throw new ModelFormatError(`PyTorch: unknown persistent id kind '${String(kind)}'`);
      const data = entries.get(`${prefix}data/${String(key)}`);
      if (data === undefined) throw new ModelFormatError(`PyTorch: storage '${String(key)}' missing from the archive`);
      return { type: storageTypeOf(storageType), bytes: data };
    });
    return { format: 'zip', tensors: collectTensors(unpickle(entries.get(pklName)!, hooks).value) };
  }
  return readLegacy(bytes);
}

function readLegacy(bytes: Uint8Array): Checkpoint {
  const plain = makeHooks(() => {
    throw new ModelFormatError('PyTorch: unexpected persistent id in a header');
  });
  let at = 0;
  const magic = unpickle(bytes, plain, at);
  if (magic.value !== LEGACY_MAGIC && magic.value !== Number(LEGACY_MAGIC)) {
    throw new ModelFormatError('not a PyTorch checkpoint: neither a ZIP archive nor the legacy magic number');
  }
  at = unpickle(bytes, plain, magic.end).end; // protocol version
  at = unpickle(bytes, plain, at).end; // sys info
  const storages = new Map<string, Storage>();
  const pending = new Map<string, { type: Storage['type'] }>();
  const hooks = makeHooks((pid) => {
    const [kind, storageType, key] = tupleItems(pid, 'persistent id');
    if (kind !== 'storage') throw new ModelFormatError(`PyTorch: unknown persistent id kind '${String(kind)}'`);
    const name = String(key);
    if (!pending.has(name)) pending.set(name, { type: storageTypeOf(storageType) });
    // Bytes are filled in after the storage keys are read; the tensor reads them lazily.
    return { get type() { return pending.get(name)!.type; }, get bytes() { return storages.get(name)?.bytes as Uint8Array; } };
  });
  const root = unpickle(bytes, hooks, at);
  const keys = unpickle(bytes, plain, root.end);
  if (!Array.isArray(keys.value)) throw new ModelFormatError('PyTorch legacy: storage key list missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value) {
    const entry = pending.get(String(key));
    if (entry === undefined) throw new ModelFormatError(`PyTorch legacy: storage '${String(key)}' is listed but never used`);
    if (pos + 8 > bytes.length) throw new ModelFormatError('PyTorch legacy: truncated storage header', `byte ${pos}`);
    const count = Number(view.getBigInt64(pos, true));
    const length = count * entry.type.bytes;
    if (count < 0 || pos + 8 + length > bytes.length) throw new ModelFormatError(`PyTorch legacy: storage '${String(key)}' runs past the end of the file`, `byte ${pos}`);
    storages.set(String(key), { type: entry.type, bytes: bytes.subarray(pos + 8, pos + 8 + length) });
    pos += 8 + length;
  }
  return { format: 'legacy', tensors: collectTensors(root.value) };
}

function makeHooks(persistent: (pid: PyValue) => Storage): PickleHooks {
  return {
    allowedGlobals: ALLOWED,
    persistentLoad: (pid) => new PyOpaque(persistent(pid)),
    call: (fn, args) => {
      switch (fn.qualified) {
        case 'collections.OrderedDict':
          return new PyDict();
        case 'torch._utils._rebuild_tensor_v2':
          // Deferred: a legacy file's storage bytes come after the pickle.
          return new PyOpaque(new LazyTensor(() => rebuildTensor(args)));
        case 'torch._utils._rebuild_parameter':
          return args[0] ?? null;
        default:
          throw new ModelFormatError(`PyTorch: '${fn.qualified}' cannot be called`);
      }
    },
  };
}

class LazyTensor {
  constructor(readonly rebuild: () => Tensor) {}
}

function tupleItems(v: PyValue, what: string): PyValue[] {
  if (!(v instanceof PyTuple)) throw new ModelFormatError(`PyTorch: ${what} is not a tuple`);
  return v.items;
}

function storageTypeOf(v: PyValue | undefined): Storage['type'] {
  const name = v instanceof PyGlobal ? v.name : '';
  const dtype = STORAGE_TYPES.get(name);
  if (dtype === undefined) throw new ModelFormatError(`PyTorch: unsupported storage type '${v instanceof PyGlobal ? v.qualified : String(v)}'`);
  return { dtype, bytes: dtype === 'bfloat16' ? 2 : bytesPerElement(dtype) };
}

function ints(v: PyValue, what: string): number[] {
  return tupleItems(v, what).map((d) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) throw new ModelFormatError(`PyTorch: ${what} holds a non-integer`);
    return d;
  });
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, ...). */
function rebuildTensor(args: PyValue[]): Tensor {
  const [storageArg, offsetArg, sizeArg, strideArg] = args;
  if (!(storageArg instanceof PyOpaque)) throw new ModelFormatError('PyTorch: tensor without a storage');
  const storage = storageArg.value as Storage;
  if (storage.bytes === undefined) throw new ModelFormatError('PyTorch legacy: a tensor\'s storage is missing from the file');
  const offset = typeof offsetArg === 'number' ? offsetArg : 0;
  const shape = ints(sizeArg ?? null, 'tensor size');
  const strides = ints(strideArg ?? null, 'tensor stride');
  const n = sizeOf(shape);
  const { bytes: elementBytes, dtype } = storage.type;
  const source = storage.bytes;
  const outType: DType = dtype === 'bfloat16' ? 'float32' : dtype;
  const data = allocData(outType, n);
  const out = new Uint8Array(data.buffer);
  // Walk the logical indices in row-major order, reading each element at its strided place.
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let element = offset;
    for (let d = 0; d < shape.length; d++) element += index[d]! * strides[d]!;
    const from = element * elementBytes;
    if (from < 0 || from + elementBytes > source.length) throw new ModelFormatError(`PyTorch: tensor element ${i} lies outside its storage (${source.length} bytes)`);
    if (dtype === 'bfloat16') {
      // bfloat16 is the top half of a float32.
      out[i * 4 + 2] = source[from]!;
      out[i * 4 + 3] = source[from + 1]!;
    } else {
      out.set(source.subarray(from, from + elementBytes), i * elementBytes);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { dtype: outType, shape, data: data as TensorData };
}

function collectTensors(root: PyValue): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  const visit = (v: PyValue, path: string, depth: number): void => {
    if (depth > 32) return;
    if (v instanceof PyOpaque && v.value instanceof LazyTensor) tensors.set(path, v.value.rebuild());
    else if (v instanceof PyDict) for (const [k, child] of v.map) visit(child, path === '' ? String(k) : `${path}.${String(k)}`, depth + 1);
  };
  visit(root, '', 0);
  // Training checkpoints wrap the weights: {'state_dict': {...}, 'epoch': ...}. Strip the wrapper.
  for (const wrapper of ['state_dict.', 'model_state_dict.']) {
    const keys = [...tensors.keys()];
    if (keys.length > 0 && keys.every((k) => k.startsWith(wrapper))) {
      return new Map(keys.map((k) => [k.slice(wrapper.length), tensors.get(k)!]));
    }
  }
  return tensors;
}
