// The protobuf wire format, decoded and encoded by hand: ONNX models (and later Caffe's
// .caffemodel) are protobuf messages, and a model file is untrusted input, so the decoder checks
// every length against the bytes that remain and names the message and field in every error.
//
// Wire format in brief: a message is a sequence of (tag, value) pairs; the tag is a varint
// holding (field number << 3 | wire type). Wire types: 0 varint, 1 fixed 64-bit, 2 length-
// delimited (bytes, strings, nested messages, packed repeated scalars), 5 fixed 32-bit. Wire
// types 3 and 4 are the deprecated groups (refused here); 6 and 7 do not exist.
import { ModelFormatError } from '../errors.js';
import { limits } from '../limits.js';

export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

const WIRE_TYPE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'invalid (6)', 'invalid (7)'];

/** A message's name and field numbers: the decoder uses it to name fields in its errors. */
export interface MessageSchema<F extends string = string> {
  readonly name: string;
  readonly fields: Readonly<Record<F, number>>;
  readonly fieldNames: ReadonlyMap<number, string>;
}

export function messageSchema<F extends string>(name: string, fields: Record<F, number>): MessageSchema<F> {
  const fieldNames = new Map<number, string>();
  for (const [fieldName, num] of Object.entries<number>(fields)) fieldNames.set(num, fieldName);
  return { name, fields, fieldNames };
}

export interface ProtoReaderOptions {
  /** How deeply messages may nest before the input is taken as hostile. */
  maxDepth?: number;
}

/** Protobuf's own default nesting limit. */
const DEFAULT_MAX_DEPTH = 100;

const TWO_POW_32 = 2 ** 32;

/**
 * A cursor over one message: `next()` steps to the next field, then exactly one of the value
 * methods (or `skip()`) consumes that field's value. Nested messages get their own reader over
 * the same bytes, so every offset in an error is an offset into the whole file.
 */
export class ProtoReader {
  /** Field number and wire type of the current field (valid after `next()` returned true). */
  field = 0;
  wireType = 0;
  /** Offset of the current field's tag. */
  fieldOffset = 0;

  /** Offset of this message's first byte (after its parent's length prefix). */
  readonly startOffset: number;

  private pos: number;
  // The last varint read, as two unsigned 32-bit halves (JS numbers hold only 53 bits exactly).
  private lo = 0;
  private hi = 0;

  private constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    readonly schema: MessageSchema,
    readonly depth: number,
    private readonly maxDepth: number,
  ) {
    this.pos = start;
    this.startOffset = start;
  }

  static root(bytes: Uint8Array, schema: MessageSchema, options: ProtoReaderOptions = {}): ProtoReader {
    return new ProtoReader(bytes, 0, bytes.length, schema, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  }

  /** `field 5 (GraphProto.initializer)` for the current field. */
  describeField(): string {
    if (this.field === 0) return `a tag of ${this.schema.name}`;
    return `field ${this.field} (${this.schema.name}.${this.schema.fieldNames.get(this.field) ?? 'unknown'})`;
  }

  /** A ModelFormatError located at the current field. */
  error(message: string): ModelFormatError {
    return new ModelFormatError(message, `${this.describeField()}, byte ${this.fieldOffset}`);
  }

  /** `what` names the problem and is followed by the field, e.g. 'truncated varint in'. */
  private failAt(what: string, offset: number, detail = ''): ModelFormatError {
    return new ModelFormatError(`${what} ${this.describeField()}${detail}`, `byte ${offset}`);
  }

  /** Steps to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    this.fieldOffset = this.pos;
    this.field = 0;
    this.readVarint(this.end, 'truncated varint in');
    const wireType = this.lo & 7;
    const field = this.hi === 0 ? this.lo >>> 3 : 0;
    if (field === 0) throw this.failAt('invalid field number (0 or above 2^29) in', this.fieldOffset);
    this.field = field;
    this.wireType = wireType;
    if (wireType === WireType.startGroup || wireType === WireType.endGroup) {
      throw this.failAt('unsupported protobuf group (wire type 3/4) in', this.fieldOffset);
    }
    if (wireType > WireType.fixed32) throw this.failAt(`invalid wire type ${wireType} in`, this.fieldOffset);
    return true;
  }

  /** Consumes the current field's value without interpreting it (unknown fields). */
  skip(): void {
    switch (this.wireType) {
      case WireType.varint: this.readVarint(this.end, 'truncated varint in'); return;
      case WireType.fixed64: this.advance(8, 'truncated fixed64 in'); return;
      case WireType.fixed32: this.advance(4, 'truncated fixed32 in'); return;
      case WireType.lengthDelimited: this.lengthDelimited(); return;
    }
  }

  // ---- scalars ----

  /** int64 / uint64 as a number (exact below 2^53, rounded beyond, as ONNX's INT64_MAX sentinels are). */
  int64(): number {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return (this.hi | 0) * TWO_POW_32 + this.lo;
  }

  /** uint64 as a number (exact below 2^53). */
  uint64(): number {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return this.hi * TWO_POW_32 + this.lo;
  }

  /** int64 exactly, as a bigint. */
  int64Big(): bigint {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return this.bigFromHalves();
  }

  /** int32 / enum: negative values are sign-extended to 10 bytes on the wire; keep the low 32 bits. */
  int32(): number {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return this.lo | 0;
  }

  uint32(): number {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return this.lo;
  }

  bool(): boolean {
    this.expectWire(WireType.varint);
    this.readVarint(this.end, 'truncated varint in');
    return this.lo !== 0 || this.hi !== 0;
  }

  float(): number {
    this.expectWire(WireType.fixed32);
    const at = this.advance(4, 'truncated fixed32 in');
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 4).getFloat32(0, true);
  }

  double(): number {
    this.expectWire(WireType.fixed64);
    const at = this.advance(8, 'truncated fixed64 in');
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 8).getFloat64(0, true);
  }

  /** A view into the input (not a copy): copy it before keeping it beyond the input's life. */
  bytesView(): Uint8Array {
    this.expectWire(WireType.lengthDelimited);
    const start = this.lengthDelimited();
    return this.bytes.subarray(start, this.pos);
  }

  string(): string {
    return utf8Decoder.decode(this.bytesView());
  }

  /** A reader over the nested message in the current field. */
  message(schema: MessageSchema): ProtoReader {
    this.expectWire(WireType.lengthDelimited);
    if (this.depth + 1 > this.maxDepth) {
      throw this.failAt(`messages nested more than ${this.maxDepth} deep in`, this.fieldOffset);
    }
    const start = this.lengthDelimited();
    return new ProtoReader(this.bytes, start, this.pos, schema, this.depth + 1, this.maxDepth);
  }

  // ---- repeated scalars, packed (one length-delimited run) or unpacked (one value per tag) ----

  // A repeated field holds at most limits().maxTensorElements values: a JavaScript array much
  // longer than that is a fatal (uncatchable) error in V8, and no tensor may be larger anyway.

  int64s(out: number[]): void {
    this.repeatedVarints(out, () => out.push((this.hi | 0) * TWO_POW_32 + this.lo));
  }

  int64sBig(out: bigint[]): void {
    this.repeatedVarints(out, () => out.push(this.bigFromHalves()));
  }

  int32s(out: number[]): void {
    this.repeatedVarints(out, () => out.push(this.lo | 0));
  }

  floats(out: number[]): void {
    this.repeatedFixed(out, WireType.fixed32, 4, (view, at) => out.push(view.getFloat32(at, true)));
  }

  doubles(out: number[]): void {
    this.repeatedFixed(out, WireType.fixed64, 8, (view, at) => out.push(view.getFloat64(at, true)));
  }

  // ---- internals ----

  private expectWire(expected: number): void {
    if (this.wireType !== expected) {
      throw this.failAt(`wrong wire type for`, this.fieldOffset, `: ${WIRE_TYPE_NAMES[this.wireType]}, expected ${WIRE_TYPE_NAMES[expected]}`);
    }
  }

  /** Moves past `count` bytes of the current message; returns where they start. */
  private advance(count: number, what: string): number {
    const at = this.pos;
    if (count > this.end - at) throw this.failAt(what, at);
    this.pos = at + count;
    return at;
  }

  /** Reads a length prefix and moves past the payload; returns where the payload starts. */
  private lengthDelimited(): number {
    this.readVarint(this.end, 'truncated length of');
    const start = this.pos;
    const remaining = this.end - start;
    if (this.hi !== 0 || this.lo > remaining) {
      const length = this.hi * TWO_POW_32 + this.lo;
      throw this.failAt('truncated length-delimited', this.fieldOffset, `: length ${length} but ${remaining} bytes remain`);
    }
    this.pos = start + this.lo;
    return start;
  }

  /** Refuses `adding` more values to a repeated field that holds `held`, past the budget. */
  private checkRepeated(held: number, adding: number): void {
    const max = limits().maxTensorElements;
    if (held + adding > max) throw this.failAt(`more than ${max} values (limit maxTensorElements) in`, this.fieldOffset);
  }

  private repeatedVarints(out: readonly unknown[], push: () => void): void {
    if (this.wireType === WireType.varint) {
      this.checkRepeated(out.length, 1);
      this.readVarint(this.end, 'truncated varint in');
      push();
      return;
    }
    this.expectWire(WireType.lengthDelimited);
    const start = this.lengthDelimited();
    const end = this.pos;
    this.pos = start;
    // Each varint takes at least one byte: check the most this run can hold only when it could pass.
    if (out.length + (end - start) > limits().maxTensorElements) {
      let count = 0;
      for (let at = start; at < end; at++) if (this.bytes[at]! < 0x80) count++;
      this.checkRepeated(out.length, count);
    }
    while (this.pos < end) {
      this.readVarint(end, 'truncated varint in packed');
      push();
    }
  }

  private repeatedFixed(out: readonly unknown[], wire: number, width: number, push: (view: DataView, at: number) => void): void {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    if (this.wireType === wire) {
      this.checkRepeated(out.length, 1);
      push(view, this.advance(width, `truncated ${WIRE_TYPE_NAMES[wire]} in`));
      return;
    }
    this.expectWire(WireType.lengthDelimited);
    const start = this.lengthDelimited();
    if ((this.pos - start) % width !== 0) {
      throw this.failAt(`packed ${WIRE_TYPE_NAMES[wire]} values in`, this.fieldOffset, `: ${this.pos - start} bytes is not a multiple of ${width}`);
    }
    this.checkRepeated(out.length, (this.pos - start) / width);
    for (let at = start; at < this.pos; at += width) push(view, at);
  }

  private bigFromHalves(): bigint {
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /**
   * Reads a varint of up to 10 bytes (64 bits) ending before `limit` into lo/hi. Bytes 0-3 carry
   * bits 0-27, byte 4 bits 28-34 (split across the halves), bytes 5-9 bits 35-63.
   */
  private readVarint(limit: number, what: string): void {
    const b = this.bytes;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= limit) throw this.failAt(what, start);
      byte = b[pos++]!;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, 0);
    }
    if (pos >= limit) throw this.failAt(what, start);
    byte = b[pos++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) return this.setVarint(pos, lo, hi);
    for (let shift = 3; shift < 38; shift += 7) {
      if (pos >= limit) throw this.failAt(what, start);
      byte = b[pos++]!;
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.setVarint(pos, lo, hi);
    }
    throw this.failAt('varint longer than 10 bytes in', start);
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------

/** Chunks at least this large are referenced rather than copied while a message is built. */
const REFERENCE_THRESHOLD = 512;

/**
 * Bytes a length-delimited field puts before its `length` payload bytes when its number is below
 * 16: the one-byte tag and the length as a varint.
 */
export function lengthDelimitedHeaderBytes(length: number): number {
  let bytes = 2;
  for (let v = length; v >= 128; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

/**
 * Builds one message. Nested messages are built in their own writer and embedded with
 * `message()`, which references the child's chunks (large byte fields are never copied until
 * `finish()` concatenates everything once). A child must not be written to after embedding.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private chunksLength = 0;
  private buf: Uint8Array = new Uint8Array(256);
  private pos = 0;
  private view: DataView = new DataView(this.buf.buffer);

  get length(): number {
    return this.chunksLength + this.pos;
  }

  /** int64 / uint64 (numbers must be integers; beyond int64 they saturate) / enum / int32. */
  int64(field: number, value: number | bigint): this {
    this.tag(field, WireType.varint);
    this.varint64(value);
    return this;
  }

  bool(field: number, value: boolean): this {
    this.tag(field, WireType.varint);
    this.varint32(value ? 1 : 0);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    this.reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WireType.fixed64);
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.lengthDelimited);
    this.varint32(data.length);
    this.append(data);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, utf8Encoder.encode(text));
  }

  message(field: number, child: ProtoWriter): this {
    this.tag(field, WireType.lengthDelimited);
    this.varint32(child.length);
    this.flush();
    for (const chunk of child.parts()) this.pushChunk(chunk);
    return this;
  }

  packedInt64s(field: number, values: ArrayLike<number | bigint>): this {
    const payload = new ProtoWriter();
    for (let i = 0; i < values.length; i++) payload.varint64(values[i]!);
    return this.message(field, payload);
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, new Uint8Array(Float32Array.from(values).buffer));
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, new Uint8Array(Float64Array.from(values).buffer));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.parts()) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Writes a raw tag: exposed for building test inputs with unusual encodings. */
  tag(field: number, wireType: number): void {
    this.varint32(((field << 3) | wireType) >>> 0);
  }

  /** Writes a raw varint (no tag). */
  varint64(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new ModelFormatError(`cannot encode ${value} as a protobuf integer`);
      if (value >= 0 && value < TWO_POW_32) return this.varint32(value);
      if (value >= 2 ** 63) value = 0x7fffffffffffffffn;
      else if (value <= -(2 ** 63)) value = -0x8000000000000000n;
      else value = BigInt(value);
    }
    // Negative values are written as their 64-bit two's complement (always 10 bytes).
    let rest = BigInt.asUintN(64, value);
    this.reserve(10);
    while (rest >= 0x80n) {
      this.buf[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buf[this.pos++] = Number(rest);
  }

  private varint32(value: number): void {
    this.reserve(5);
    let rest = value >>> 0;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[this.pos++] = rest;
  }

  private append(data: Uint8Array): void {
    if (data.length >= REFERENCE_THRESHOLD) {
      this.flush();
      this.pushChunk(data);
      return;
    }
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  private reserve(count: number): void {
    if (this.pos + count <= this.buf.length) return;
    this.flush();
    if (count > this.buf.length) this.setBuffer(new Uint8Array(Math.max(count, 256)));
  }

  /** Moves the filled part of the scratch buffer into the chunk list; later bytes go after it. */
  private flush(): void {
    if (this.pos === 0) return;
    this.pushChunk(this.buf.subarray(0, this.pos));
    // Keep filling the rest of the scratch buffer; start a new one when little is left.
    this.setBuffer(this.buf.length - this.pos >= 64 ? this.buf.subarray(this.pos) : new Uint8Array(256));
  }

  private setBuffer(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
  }

  private pushChunk(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.chunksLength += chunk.length;
  }

  private parts(): Uint8Array[] {
    return this.pos === 0 ? this.chunks : [...this.chunks, this.buf.subarray(0, this.pos)];
  }
}
