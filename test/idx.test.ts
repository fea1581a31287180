import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError, parseIdx } from 'mnist-wasm';

function idx(typeCode: number, shape: number[], body: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = shape.length;
  shape.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

async function failure(bytes: Uint8Array): Promise<IdxFormatError> {
  const error = await parseIdx(bytes, 'sample.idx').then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IdxFormatError);
  expect((error as IdxFormatError).code).toBe('IDX_FORMAT');
  expect((error as Error).message).toMatch(/^sample\.idx: /);
  return error as IdxFormatError;
}

describe('parseIdx', () => {
  it('reads uint8 images without copying', async () => {
    const bytes = idx(0x08, [2, 2, 3], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
    const parsed = await parseIdx(bytes);
    expect(parsed.dtype).toBe('uint8');
    expect(parsed.shape).toEqual([2, 2, 3]);
    expect([...parsed.data]).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
    expect(parsed.data.buffer).toBe(bytes.buffer);
  });

  it('reads big-endian int16, int32, float32 and float64', async () => {
    const view = (n: number) => new DataView(new ArrayBuffer(n));
    const i16 = view(4);
    i16.setInt16(0, -2, false);
    i16.setInt16(2, 300, false);
    expect([...(await parseIdx(idx(0x0b, [2], new Uint8Array(i16.buffer)))).data]).toEqual([-2, 300]);
    const i32 = view(4);
    i32.setInt32(0, -70000, false);
    expect([...(await parseIdx(idx(0x0c, [1], new Uint8Array(i32.buffer)))).data]).toEqual([-70000]);
    const f32 = view(8);
    f32.setFloat32(0, 1.5, false);
    f32.setFloat32(4, -0.25, false);
    expect([...(await parseIdx(idx(0x0d, [2, 1], new Uint8Array(f32.buffer)))).data]).toEqual([1.5, -0.25]);
    const f64 = view(8);
    f64.setFloat64(0, Math.PI, false);
    expect([...(await parseIdx(idx(0x0e, [1], new Uint8Array(f64.buffer)))).data]).toEqual([Math.PI]);
  });

  it('detects and inflates gzip', async () => {
    const plain = idx(0x08, [3], Uint8Array.of(7, 8, 9));
    const parsed = await parseIdx(gzipSync(plain));
    expect(parsed.shape).toEqual([3]);
    expect([...parsed.data]).toEqual([7, 8, 9]);
  });

  it('names the problem: bad magic, unknown type, missing dimensions', async () => {
    expect((await failure(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0))).message).toContain('expected magic bytes 00 00, found 50 4B');
    expect((await failure(idx(0x07, [1], Uint8Array.of(1)))).message).toContain('unknown IDX type code 07');
    expect((await failure(Uint8Array.of(0, 0, 8, 0))).message).toContain('at least 1 dimension');
  });

  it('names the problem: truncated header, truncated data, trailing bytes, corrupt gzip', async () => {
    expect((await failure(Uint8Array.of(0, 0))).message).toContain('at least 4 bytes, found 2');
    expect((await failure(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1))).message).toContain('truncated header');
    const full = idx(0x08, [10, 28, 28], new Uint8Array(10 * 784));
    expect((await failure(full.subarray(0, full.length - 1))).message).toContain('truncated: shape [10, 28, 28] of uint8 needs 7840 data bytes, found 7839');
    expect((await failure(idx(0x08, [2], Uint8Array.of(1, 2, 3)))).message).toContain('trailing bytes');
    const zipped = gzipSync(full);
    expect((await failure(zipped.subarray(0, zipped.length / 2))).message).toContain('gzip data is corrupt or truncated');
  });

  it('refuses a header whose sizes overflow instead of allocating them', async () => {
    const error = await failure(idx(0x0d, [0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(16)));
    expect(error.message).toContain('truncated');
  });
});
