// NumPy's .npy format (versions 1, 2 and 3), the way the CLI takes inputs and gives outputs:
//   magic "\x93NUMPY", major and minor version bytes, the header length (uint16 in v1, uint32 in
//   v2/v3, little-endian), then the header: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//   padded with spaces and ended by '\n', then the values in C order.
// The header is parsed strictly (exactly those three keys, Python literals only).
import { ModelFormatError } from '../errors.js';
import { allocData, bytesPerElement, shapeString, sizeOf, type DType, type Tensor } from '../tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DESCR_OF_DTYPE: Readonly<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int32: '<i4', int64: '<i8', uint8: '|u1', int8: '|i1', bool: '|b1',
};

/** Accepted descr strings: the canonical ones, and one-byte types with '<' or '=' (no byte order to speak of). */
const DTYPE_OF_DESCR = new Map<string, DType>(Object.entries(DESCR_OF_DTYPE).map(([dtype, descr]) => [descr, dtype as DType]));
for (const dtype of ['uint8', 'int8', 'bool'] as const) {
  const code = DESCR_OF_DTYPE[dtype].slice(1);
  DTYPE_OF_DESCR.set(`<${code}`, dtype);
  DTYPE_OF_DESCR.set(`=${code}`, dtype);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readNpy(bytes: Uint8Array): Tensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ModelFormatError('not a .npy file: it does not start with "\\x93NUMPY"', 'byte 0');
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new ModelFormatError(`unsupported .npy version ${major}.${bytes[7]}`, 'byte 6');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw new ModelFormatError('truncated .npy header length', 'byte 8');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthSize;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new ModelFormatError(`truncated .npy header: ${headerLength} bytes announced, ${bytes.length - headerStart} present`, `byte ${headerStart}`);
  }
  // Versions 1 and 2 store the header in latin1, version 3 in UTF-8.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortranOrder, shape } = parseHeader(header, headerStart);

  const dtype = DTYPE_OF_DESCR.get(descr);
  if (dtype === undefined) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported; save with a little-endian dtype)' : '';
    throw new ModelFormatError(`unsupported .npy dtype '${descr}'${hint}; supported: ${Object.values(DESCR_OF_DTYPE).join(' ')}`, `byte ${headerStart}`);
  }
  if (fortranOrder) throw new ModelFormatError('Fortran-ordered .npy arrays are not supported: save a C-ordered array (np.ascontiguousarray)', `byte ${headerStart}`);
  const count = sizeOf(shape);
  const byteLength = count * bytesPerElement(dtype);
  const present = bytes.length - dataStart;
  if (present !== byteLength) {
    const problem = present < byteLength ? 'truncated .npy data' : 'trailing bytes after the .npy data';
    throw new ModelFormatError(`${problem}: ${dtype} shape ${shapeString(shape)} needs ${byteLength} bytes, the file has ${present}`, `byte ${dataStart}`);
  }
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('reading .npy files needs a little-endian host');
  // Copy: the data may be unaligned for its element type.
  const data = allocData(dtype, count);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes.subarray(dataStart));
  if (dtype === 'bool') {
    const flags = data as Uint8Array;
    const bad = flags.findIndex((v) => v > 1);
    if (bad >= 0) throw new ModelFormatError(`bool value ${flags[bad]} at element ${bad} (must be 0 or 1)`, `byte ${dataStart + bad}`);
  }
  return { dtype, shape, data };
}

export function writeNpy(tensor: Tensor): Uint8Array {
  const shapeText = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF_DTYPE[tensor.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1 unless the header outgrows its 16-bit length; magic + header are padded to a
  // multiple of 64 bytes so the data is aligned, as NumPy does.
  const major = dict.length + 12 > 0xffff ? 2 : 1;
  const prefix = 8 + (major === 1 ? 2 : 4);
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(padded - prefix - dict.length - 1) + '\n';
  if (!HOST_IS_LITTLE_ENDIAN) throw new ModelFormatError('writing .npy files needs a little-endian host');
  const data = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const out = new Uint8Array(padded + data.length);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  // The header is plain ASCII (descr codes, digits, punctuation).
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, padded);
  return out;
}

// ---- the header dict ----

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** A strict parser for the header's Python dict literal; `base` is its offset in the file. */
function parseHeader(text: string, base: number): NpyHeader {
  let pos = 0;
  const fail = (message: string): never => {
    throw new ModelFormatError(`bad .npy header: ${message} in ${JSON.stringify(text.trimEnd())}`, `byte ${base + pos}`);
  };
  const skipSpaces = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  };
  const expect = (char: string): void => {
    skipSpaces();
    if (text[pos] !== char) fail(`expected '${char}'`);
    pos++;
  };
  /** True (and consumed) when the next character is `char`. */
  const accept = (char: string): boolean => {
    skipSpaces();
    if (text[pos] !== char) return false;
    pos++;
    return true;
  };
  const stringLiteral = (): string => {
    skipSpaces();
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') return fail('expected a string');
    const end = text.indexOf(quote, pos + 1);
    if (end < 0) fail('unterminated string');
    const value = text.slice(pos + 1, end);
    if (value.includes('\\')) fail('escape sequences are not allowed');
    pos = end + 1;
    return value;
  };
  const boolLiteral = (): boolean => {
    skipSpaces();
    for (const [word, value] of [['True', true], ['False', false]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail('expected True or False');
  };
  const shapeTuple = (): number[] => {
    expect('(');
    const dims: number[] = [];
    while (!accept(')')) {
      skipSpaces();
      const match = /^\d+/.exec(text.slice(pos, pos + 24));
      if (match === null) return fail('expected a dimension');
      pos += match[0].length;
      // Python 2 era files may mark integers with an L suffix.
      if (text[pos] === 'L') pos++;
      dims.push(Number(match[0]));
      if (!accept(',')) {
        expect(')');
        // A one-element tuple needs its trailing comma: '(3)' is not a tuple in Python.
        if (dims.length === 1) fail('a 1-D shape must be written (n,)');
        break;
      }
    }
    return dims;
  };

  let descr: string | undefined;
  let fortranOrder: boolean | undefined;
  let shape: number[] | undefined;
  expect('{');
  while (!accept('}')) {
    const key = stringLiteral();
    expect(':');
    if (key === 'descr' && descr === undefined) descr = stringLiteral();
    else if (key === 'fortran_order' && fortranOrder === undefined) fortranOrder = boolLiteral();
    else if (key === 'shape' && shape === undefined) shape = shapeTuple();
    else fail(`unexpected or repeated key '${key}'`);
    if (!accept(',')) {
      expect('}');
      break;
    }
  }
  skipSpaces();
  if (text[pos] === '\n') pos++;
  if (pos !== text.length) fail('unexpected text after the dict');
  if (descr === undefined || fortranOrder === undefined || shape === undefined) {
    return fail('it must have the keys descr, fortran_order and shape');
  }
  return { descr, fortranOrder, shape };
}
