// NumPy .npy files: fixtures written by NumPy 2.4 (np.lib.format.write_array, embedded as base64)
// are read, and writeNpy reproduces NumPy's bytes exactly; bad files give ModelFormatError.
import { describe, expect, it } from 'vitest';
import { ModelFormatError, ShapeError, WasmposeError } from '../src/nn/errors.js';
import { readNpy, writeNpy } from '../src/nn/formats/npy.js';
import { float32, tensor, type Tensor } from '../src/nn/tensor.js';

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** What NumPy wrote for each array, and the tensor it holds. */
const NUMPY_FILES: { label: string; base64: string; tensor: Tensor }[] = [
  {
    label: "np.array([[1.5, -2, 0], [3.25, 1e10, -0.0]], '<f4')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAAAAAAFBA+QIVUAAAAIA=',
    tensor: float32([2, 3], [1.5, -2, 0, 3.25, 1e10, -0]),
  },
  {
    label: "np.array([pi, -1e300], '<f8')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoYLURU+yEJQJx1AIg85Df+',
    tensor: tensor('float64', [2], Float64Array.from([Math.PI, -1e300])),
  },
  {
    label: "np.array([1, -2, 65504], '<f2')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPADA/3s=',
    tensor: tensor('float16', [3], Uint16Array.from([0x3c00, 0xc000, 0x7bff])),
  },
  {
    label: "np.array([-5, 2**31 - 1, -2**31], '<i4')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr7////////fwAAAIA=',
    tensor: tensor('int32', [3], Int32Array.from([-5, 2147483647, -2147483648])),
  },
  {
    label: "np.array([[-1, 2**40], [2**63 - 1, -2**63]], '<i8')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//////////wAAAAAAAQAA/////////38AAAAAAAAAgA==',
    tensor: tensor('int64', [2, 2], BigInt64Array.from([-1n, 2n ** 40n, 0x7fffffffffffffffn, -0x8000000000000000n])),
  },
  {
    label: "np.array([0, 255, 7], 'u1')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wc=',
    tensor: tensor('uint8', [3], Uint8Array.from([0, 255, 7])),
  },
  {
    label: "np.array([-128, 127, -1], 'i1')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAf/8=',
    tensor: tensor('int8', [3], Int8Array.from([-128, 127, -1])),
  },
  {
    label: 'np.array([True, False, True])',
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=',
    tensor: tensor('bool', [3], Uint8Array.from([1, 0, 1])),
  },
  {
    label: "np.array(3.5, '<f4') (a 0-d scalar)",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAGBA',
    tensor: float32([], [3.5]),
  },
  {
    label: "np.zeros((0, 3), '<f4')",
    base64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=',
    tensor: float32([0, 3]),
  },
];

const V2 = 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEA=';
const V3 = 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEA=';
const FORTRAN = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=';
const BIG_ENDIAN = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAA==';
const UINT16 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPHUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAIA';

/** A v1 file with the given header text (padded and terminated as NumPy does) and data bytes. */
function handMade(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const padded = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n';
  const bytes = new Uint8Array(10 + padded.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
  bytes.set(new TextEncoder().encode(padded), 10);
  bytes.set(data, 10 + padded.length);
  return bytes;
}

function errorOf(bytes: Uint8Array): ModelFormatError {
  try {
    readNpy(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('expected readNpy to fail');
}

describe('readNpy and writeNpy', () => {
  for (const { label, base64, tensor: expected } of NUMPY_FILES) {
    it(`reads and reproduces NumPy's ${label}`, () => {
      const bytes = fromBase64(base64);
      expect(readNpy(bytes)).toEqual(expected);
      expect(Buffer.from(writeNpy(expected)).toString('base64')).toBe(base64);
    });
  }

  it('reads format versions 2 and 3', () => {
    expect(readNpy(fromBase64(V2))).toEqual(float32([3], [1, 2, 3]));
    expect(readNpy(fromBase64(V3))).toEqual(float32([3], [1, 2, 3]));
  });

  it('reads data at an unaligned offset, and headers in another key order or quoting', () => {
    const file = fromBase64(NUMPY_FILES[1]!.base64);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(readNpy(shifted.subarray(3))).toEqual(NUMPY_FILES[1]!.tensor);
    const data = new Uint8Array(Float32Array.from([1, 2]).buffer);
    expect(readNpy(handMade('{"shape": (1,2), "descr": "<f4", "fortran_order": False}', data))).toEqual(float32([1, 2], [1, 2]));
  });

  it('refuses Fortran order, big-endian and unsupported dtypes clearly', () => {
    expect(errorOf(fromBase64(FORTRAN)).message).toMatch(/Fortran-ordered .npy arrays are not supported/);
    expect(errorOf(fromBase64(BIG_ENDIAN)).message).toMatch(/unsupported .npy dtype '>f4' \(big-endian/);
    expect(errorOf(fromBase64(UINT16)).message).toMatch(/unsupported .npy dtype '<u2'/);
  });

  it('refuses bad headers', () => {
    const bad = [
      "{'descr': '<f4', 'fortran_order': False}", // no shape
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", // not a tuple in Python
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
      "['descr', '<f4']",
      '',
    ];
    for (const header of bad) expect(errorOf(handMade(header, new Uint8Array(8))).message, header).toMatch(/bad .npy header/);
  });

  it('refuses truncated, oversized and foreign files', () => {
    const file = fromBase64(NUMPY_FILES[0]!.base64);
    for (let cut = 0; cut < file.length; cut += 7) {
      expect(() => readNpy(file.subarray(0, cut)), `cut at ${cut}`).toThrow(ModelFormatError);
    }
    expect(errorOf(file.subarray(0, file.length - 1)).message).toMatch(/truncated .npy data: float32 shape \[2, 3\] needs 24 bytes, the file has 23/);
    const longer = new Uint8Array(file.length + 1);
    longer.set(file);
    expect(errorOf(longer).message).toMatch(/trailing bytes/);
    expect(errorOf(new TextEncoder().encode('PK\x03\x04 not numpy')).message).toMatch(/not a .npy file/);
    const v9 = file.slice();
    v9[6] = 9;
    expect(errorOf(v9).message).toMatch(/unsupported .npy version 9/);
    expect(errorOf(handMade("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", Uint8Array.from([1, 2]))).message).toMatch(/bool value 2/);
    expect(() => readNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }"))).toThrow(ShapeError);
  });

  it('survives random corruption with typed errors only', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const { base64 } of NUMPY_FILES) {
      const file = fromBase64(base64);
      for (let variant = 0; variant < 50; variant++) {
        const bytes = file.slice();
        bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
        try {
          readNpy(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WasmposeError);
        }
      }
    }
  });

  it('writes version 2 when the header outgrows 64 KiB', () => {
    const shape = [...new Array<number>(22000).fill(1), 2]; // "1, " x 22000 > 65535 header bytes
    const t = float32(shape, [1, 2]);
    const bytes = writeNpy(t);
    expect(bytes[6]).toBe(2);
    expect(readNpy(bytes)).toEqual(t);
  });
});
