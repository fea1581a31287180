// The protobuf half of the ONNX export (onnx.ts builds the graph): a message writer and the few ONNX
// messages the graph is made of, written by hand. The fields used, by their numbers in onnx/onnx.proto:
//   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto      name 1, i 3, ints 8, type 20 (INT = 2, INTS = 7)
//   TensorProto         dims 1, data_type 2 (FLOAT = 1, INT64 = 7), name 8, raw_data 9 (little-endian)
//   ValueInfoProto      name 1, type 2
//   TypeProto           tensor_type 1: elem_type 1, shape 2: dim 1: dim_value 1 or dim_param 2
// Wire format (protobuf encoding guide): each field is a key, field number × 8 + wire type, as a
// varint, then a varint (wire type 0) or a varint length and that many bytes (wire type 2). Repeated
// fields are written one entry at a time, as proto2 declares `dims` and `ints`.

import { writeFloats } from '../network/format-read.js';

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** A protobuf message being written: a list of byte chunks, so a nested message is copied only once, at the end. */
export class Message {
  private readonly chunks: Uint8Array[] = [];
  private byteLength = 0;

  /** An int32, int64 or enum field; `value` must be a whole number from 0 to 2⁵³. */
  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  message(field: number, value: Message): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.byteLength);
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  finish(): Uint8Array {
    const bytes = new Uint8Array(this.byteLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** Seven bits a byte, lowest first, the high bit set on all but the last; arithmetic rather than bit operators, which stop at 32 bits. */
  private varint(value: number): void {
    const bytes: number[] = [];
    for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
    bytes.push(value);
    this.push(Uint8Array.from(bytes));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.byteLength += chunk.length;
  }
}

/** A NodeProto: its inputs, its one output, its name and op type, then its attributes. */
export function nodeProto(type: string, name: string, inputs: readonly string[], output: string, attributes: readonly Message[]): Message {
  const message = new Message();
  for (const input of inputs) message.string(1, input);
  message.string(2, output).string(3, name).string(4, type);
  for (const attribute of attributes) message.message(5, attribute);
  return message;
}

/** An AttributeProto holding one integer (INT) or, given an array, a list of them (INTS); every one from 0 up. */
export function intAttribute(name: string, value: number | readonly number[]): Message {
  const message = new Message().string(1, name);
  if (typeof value === 'number') return message.int(3, value).int(20, ATTRIBUTE_INT);
  for (const entry of value) message.int(8, entry);
  return message.int(20, ATTRIBUTE_INTS);
}

/** A TensorProto holding a weight: its shape, FLOAT, its name and its values as raw little-endian bytes. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): Message {
  const raw = new Uint8Array(values.length * 4);
  writeFloats(raw, 0, values);
  const message = new Message();
  for (const dim of dims) message.int(1, dim);
  return message.int(2, FLOAT).string(8, name).bytes(9, raw);
}

/** A 1-D INT64 TensorProto (a Reshape's target shape), its values small integers, -1 among them, as raw little-endian bytes. */
export function int64Vector(name: string, values: readonly number[]): Message {
  const raw = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((value, i) => {
    raw.setInt32(i * 8, value, true);
    raw.setInt32(i * 8 + 4, value < 0 ? -1 : 0, true); // the high word: the sign, for values within ±2³¹
  });
  return new Message().int(1, values.length).int(2, INT64).string(8, name).bytes(9, new Uint8Array(raw.buffer));
}

/** A ValueInfoProto: a float32 tensor's name and shape, where a string dimension is symbolic. */
export function valueInfo(name: string, dims: Array<number | string>): Message {
  const shape = new Message();
  for (const dim of dims) shape.message(1, typeof dim === 'string' ? new Message().string(2, dim) : new Message().int(1, dim));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}
