// Model files in Node. A save never leaves a half-written file under the name it was asked for: the
// bytes go to a temporary file in the same folder, are flushed to the disk (fsync), and only then
// renamed over the target, which is atomic on POSIX file systems. A crash at any point leaves either
// the old file or the new one.

import { DataNotFoundError, InvalidArgumentError, SaveFailedError, describe } from '../errors.js';
import { nodeModule } from './node.js';

/** Writes `bytes` to `path` whole or not at all. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`save: path must be a non-empty string, got ${describe(path)}`);
  const { open, rename, rm } = await nodeModule('fs/promises');
  const { basename, dirname, join } = await nodeModule('path');
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temporary, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new SaveFailedError(`${path}: could not save (${(error as Error).message}); any file there before is unchanged`);
  }
  // The rename itself reaches the disk when the folder's entry does; not every platform can sync a folder.
  const directory = await open(folder, 'r').catch(() => undefined);
  await directory?.sync().catch(() => undefined);
  await directory?.close();
}

/** A file's bytes, or a DataNotFoundError that names it. */
export async function readFileBytes(path: string, what: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`${what}: path must be a non-empty string, got ${describe(path)}`);
  const { readFile } = await nodeModule('fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new DataNotFoundError(`${path}: ${(error as Error).message}`);
  }
}
