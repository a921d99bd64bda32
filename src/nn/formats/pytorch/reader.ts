// PyTorch checkpoints (.pth, .pt) without Python: the ZIP container of torch >= 1.6 and the
// legacy format before it (a pickle stream followed by raw storages). The pickled object is
// read with a restricted unpickler; tensors are rebuilt from their storage, offset, size and
// strides. The result is every tensor of the state dict, keyed by its name, ready to bind into a
// network definition.
//
// Budgets, checked before anything is copied: a tensor's element count against
// limits().maxTensorElements, the furthest element its view reaches (offset + sum of (size-1) *
// stride) against the bytes its storage holds, and all the tensors a checkpoint materialises
// against limits().maxSessionBytes (a stride-0 view may declare far more than its storage). The
// walk over the state dict reads each dict once (a dict reached twice is memo fan-out or a cycle)
// and each tensor once, however many names it has.
import { ModelFormatError } from '../../errors.js';
import { limits } from '../../limits.js';
import { allocData, bytesPerElement, type DType, type Tensor, type TensorData } from '../../tensor.js';
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

/** Characters of all tensor names together: names are built from nested keys a memo can repeat. */
const MAX_NAME_CHARACTERS = 2 ** 24;

export function readPytorchCheckpoint(bytes: Uint8Array): Checkpoint {
  if (isZip(bytes)) {
    const entries = readZip(bytes);
    const pklName = [...entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
    if (pklName === undefined) throw new ModelFormatError('PyTorch ZIP checkpoint without data.pkl');
    const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
    const hooks = makeHooks((pid) => {
      const [, storageType, key] = storageId(pid);
      const data = entries.get(`${prefix}data/${key}`);
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
    const [, storageType, name] = storageId(pid);
    if (!pending.has(name)) pending.set(name, { type: storageTypeOf(storageType) });
    // Bytes are filled in after the storage keys are read; the tensor reads them lazily.
    return { get type() { return pending.get(name)!.type; }, get bytes() { return storages.get(name)?.bytes as Uint8Array; } };
  });
  const root = unpickle(bytes, hooks, at);
  const keys = unpickle(bytes, plain, root.end);
  if (!Array.isArray(keys.value)) throw new ModelFormatError('PyTorch legacy: storage key list missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const item of keys.value) {
    if (typeof item !== 'string' && typeof item !== 'number') throw new ModelFormatError(`PyTorch legacy: a storage key is ${describe(item)}, not a string`);
    const key = String(item);
    const entry = pending.get(key);
    if (entry === undefined) throw new ModelFormatError(`PyTorch legacy: storage '${key}' is listed but never used`);
    if (pos + 8 > bytes.length) throw new ModelFormatError('PyTorch legacy: truncated storage header', `byte ${pos}`);
    const count = Number(view.getBigInt64(pos, true));
    const length = count * entry.type.bytes;
    if (count < 0 || pos + 8 + length > bytes.length) throw new ModelFormatError(`PyTorch legacy: storage '${key}' runs past the end of the file`, `byte ${pos}`);
    storages.set(key, { type: entry.type, bytes: bytes.subarray(pos + 8, pos + 8 + length) });
    pos += 8 + length;
  }
  return { format: 'legacy', tensors: collectTensors(root.value) };
}

function makeHooks(persistent: (pid: PyValue) => Storage): PickleHooks {
  const materialised: Materialised = { bytes: 0 };
  return {
    allowedGlobals: ALLOWED,
    persistentLoad: (pid) => new PyOpaque(persistent(pid)),
    call: (fn, args) => {
      switch (fn.qualified) {
        case 'collections.OrderedDict':
          return new PyDict();
        case 'torch._utils._rebuild_tensor_v2':
          // Deferred: a legacy file's storage bytes come after the pickle.
          return new PyOpaque(new LazyTensor((name) => rebuildTensor(args, name, materialised)));
        case 'torch._utils._rebuild_parameter':
          return args[0] ?? null;
        default:
          throw new ModelFormatError(`PyTorch: '${fn.qualified}' cannot be called`);
      }
    },
  };
}

/** Bytes of tensor data a checkpoint has materialised so far. */
interface Materialised {
  bytes: number;
}

/** A tensor rebuilt on first use (under its first name) and shared by every later name. */
class LazyTensor {
  private tensor: Tensor | undefined;
  constructor(private readonly rebuild: (name: string) => Tensor) {}
  get(name: string): Tensor {
    this.tensor ??= this.rebuild(name);
    return this.tensor;
  }
}

function tupleItems(v: PyValue, what: string): PyValue[] {
  if (!(v instanceof PyTuple)) throw new ModelFormatError(`PyTorch: ${what} is not a tuple`);
  return v.items;
}

/** A value for a message: scalars as they are, containers by their kind (never expanded: a memo can nest them exponentially). */
function describe(v: PyValue | undefined): string {
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  if (v instanceof PyGlobal) return v.qualified;
  return Array.isArray(v) ? 'a list' : v instanceof PyTuple ? 'a tuple' : v instanceof PyDict ? 'a dict' : v instanceof Uint8Array ? 'bytes' : 'an object';
}

/** ('storage', storage type, key, location, size): the kind checked, the key a string or an integer. */
function storageId(pid: PyValue): [string, PyValue | undefined, string] {
  const [kind, storageType, key] = tupleItems(pid, 'persistent id');
  if (kind !== 'storage') throw new ModelFormatError(`PyTorch: unknown persistent id kind '${describe(kind)}'`);
  if (typeof key !== 'string' && typeof key !== 'number') throw new ModelFormatError(`PyTorch: storage key is ${describe(key)}, not a string`);
  return [kind, storageType, String(key)];
}

function storageTypeOf(v: PyValue | undefined): Storage['type'] {
  const name = v instanceof PyGlobal ? v.name : '';
  const dtype = STORAGE_TYPES.get(name);
  if (dtype === undefined) throw new ModelFormatError(`PyTorch: unsupported storage type '${describe(v)}'`);
  return { dtype, bytes: dtype === 'bfloat16' ? 2 : bytesPerElement(dtype) };
}

function ints(v: PyValue, what: string): number[] {
  return tupleItems(v, what).map((d) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) throw new ModelFormatError(`PyTorch: ${what} holds a non-integer`);
    return d;
  });
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, ...). */
function rebuildTensor(args: PyValue[], name: string, materialised: Materialised): Tensor {
  const fail = (message: string): never => {
    throw new ModelFormatError(`PyTorch tensor '${name}': ${message}`);
  };
  const [storageArg, offsetArg, sizeArg, strideArg] = args;
  if (!(storageArg instanceof PyOpaque)) return fail('no storage');
  const storage = storageArg.value as Storage;
  if (storage.bytes === undefined) return fail('its storage is missing from the file');
  const offset = offsetArg ?? 0;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return fail(`storage offset ${describe(offset as PyValue)} is not a non-negative integer`);
  const shape = ints(sizeArg ?? null, 'tensor size');
  const strides = ints(strideArg ?? null, 'tensor stride');
  if (strides.length !== shape.length) fail(`${shape.length} sizes but ${strides.length} strides`);
  const max = limits().maxTensorElements;
  let n = 1;
  for (const [d, size] of shape.entries()) {
    if (size < 0 || strides[d]! < 0) fail(`size ${size} or stride ${strides[d]} of dimension ${d} is negative`);
    n *= size;
    if (n > max) fail(`size [${shape.length <= 16 ? shape.join(', ') : `${shape.length} dims`}] has more than ${max} elements (limit maxTensorElements)`);
  }
  const { bytes: elementBytes, dtype } = storage.type;
  const source = storage.bytes;
  // The furthest element the view reaches must lie in the storage (strides may be 0 or overlap).
  if (n > 0) {
    let last = offset;
    for (const [d, size] of shape.entries()) last += (size - 1) * strides[d]!;
    if ((last + 1) * elementBytes > source.length) fail(`its view reaches element ${last}, past the ${source.length / elementBytes} elements of its storage`);
  }
  const outType: DType = dtype === 'bfloat16' ? 'float32' : dtype;
  const outBytes = n * (dtype === 'bfloat16' ? 4 : elementBytes);
  const budget = limits().maxSessionBytes;
  if (materialised.bytes + outBytes > budget) fail(`the checkpoint's tensors would take more than ${budget} bytes (limit maxSessionBytes)`);
  materialised.bytes += outBytes;
  const data = allocData(outType, n);
  const out = new Uint8Array(data.buffer);
  const contiguous = shape.every((size, d) => size === 1 || strides[d] === shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (contiguous && dtype !== 'bfloat16') {
    out.set(source.subarray(offset * elementBytes, (offset + n) * elementBytes));
    return { dtype: outType, shape, data: data as TensorData };
  }
  // Walk the logical indices in row-major order, reading each element at its strided place.
  const index = new Array<number>(shape.length).fill(0);
  let element = offset;
  for (let i = 0; i < n; i++) {
    const from = element * elementBytes;
    if (dtype === 'bfloat16') {
      // bfloat16 is the top half of a float32.
      out[i * 4 + 2] = source[from]!;
      out[i * 4 + 3] = source[from + 1]!;
    } else {
      for (let b = 0; b < elementBytes; b++) out[i * elementBytes + b] = source[from + b]!;
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      element += strides[d]!;
      if (++index[d]! < shape[d]!) break;
      element -= index[d]! * strides[d]!;
      index[d] = 0;
    }
  }
  return { dtype: outType, shape, data: data as TensorData };
}

function collectTensors(root: PyValue): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  const seen = new Map<PyDict, string>();
  let nameCharacters = 0;
  const visit = (v: PyValue, path: string, depth: number): void => {
    if (depth > 32) return;
    if (v instanceof PyOpaque && v.value instanceof LazyTensor) {
      nameCharacters += path.length;
      if (nameCharacters > MAX_NAME_CHARACTERS) throw new ModelFormatError(`PyTorch: tensor names longer than ${MAX_NAME_CHARACTERS} characters in all`, `'${path.slice(0, 80)}...'`);
      tensors.set(path, v.value.get(path));
    } else if (v instanceof PyDict) {
      const first = seen.get(v);
      if (first !== undefined) throw new ModelFormatError(`PyTorch: the dict at '${path.slice(0, 200)}' was already read at '${first.slice(0, 200)}' (memo fan-out or a cycle)`);
      seen.set(v, path);
      for (const [k, child] of v.map) {
        const key = String(k);
        if (path.length + key.length > MAX_NAME_CHARACTERS) throw new ModelFormatError(`PyTorch: a tensor name longer than ${MAX_NAME_CHARACTERS} characters`, `'${path.slice(0, 80)}...'`);
        visit(child, path === '' ? key : `${path}.${key}`, depth + 1);
      }
    }
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
