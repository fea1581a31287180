// Model files in Node. A save never leaves a half-written file under the name it was asked for: the
// bytes go to a temporary file in the same folder, are flushed to the disk (fsync), and only then
// renamed over the target, which is atomic on POSIX file systems. A crash at any point leaves either
// the old file or the new one.
//
// A save replaces only a regular file. A device (/dev/null), a FIFO, a socket or a folder at the path
// is refused, and so is a file without a write bit in its mode: a rename would replace any of them,
// and root passes every access() check, so the mode bits are read. A symbolic link is followed, as
// `cp` and `>` follow it: the file it points to is replaced (the temporary file goes beside that file,
// which keeps its mode) and the link stays a link; a link to nothing yet makes the file where it points.

import { DataNotFoundError, InvalidArgumentError, SaveFailedError, describe } from '../errors.js';
import { nodeModule } from './node.js';

/**
 * Writes `bytes` to `path` whole or not at all; a path that may not be replaced (see the file's
 * comment) gives a SaveFailedError and is left as it was.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`save: path must be a non-empty string, got ${describe(path)}`);
  const { open, rename, rm } = await nodeModule('fs/promises');
  const { basename, dirname, join } = await nodeModule('path');
  const fail = (reason: string): SaveFailedError => new SaveFailedError(`${path}: could not save (${reason}); any file there before is unchanged`);
  const { target, mode, problem } = await inspectSavePath(path);
  if (problem !== undefined) throw fail(problem);
  const folder = dirname(target);
  const temporary = join(folder, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temporary, 'wx');
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fail((error as Error).message);
  }
  // The rename itself reaches the disk when the folder's entry does; not every platform can sync a folder.
  const directory = await open(folder, 'r').catch(() => undefined);
  await directory?.sync().catch(() => undefined);
  await directory?.close();
}

/**
 * Throws a SaveFailedError, without writing anything, if a save to `path` would fail for a reason
 * known now: its folder is missing or not a folder, or the path (or what its links point to) is not a
 * regular file or is read-only. For checking output paths before a long run; `what` starts the
 * message (`'--save'`, `'csvLogger'`).
 */
export async function checkSavePath(path: string, what: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`${what}: path must be a non-empty string, got ${describe(path)}`);
  const { problem } = await inspectSavePath(path);
  if (problem !== undefined) throw new SaveFailedError(`${what}: cannot save to ${path}: ${problem}`);
}

/**
 * The file a save to `path` replaces or creates (links followed), the mode of the file it replaces,
 * and why it may not be written, if it may not.
 */
async function inspectSavePath(path: string): Promise<{ target: string; mode?: number; problem?: string }> {
  const { access, constants, lstat, readlink, realpath, stat } = await nodeModule('fs/promises');
  const { dirname } = await nodeModule('path');
  const absent = (error: NodeJS.ErrnoException): boolean => error.code === 'ENOENT' || error.code === 'ENOTDIR';
  let target = path;
  let mode: number | undefined;
  let info = await lstat(path).catch((error: NodeJS.ErrnoException) => error);
  if (!(info instanceof Error) && info.isSymbolicLink()) {
    // Followed as the kernel follows it, so that /proc's links to pipes and terminals count too.
    info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      if (info.code === 'ELOOP') return { target, problem: 'its symbolic links go round in a loop' };
      if (absent(info)) {
        const end = await linkEnd(path).catch((error: Error) => error);
        if (end instanceof Error) return { target, problem: end.message };
        target = end;
      }
    } else {
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined && info.isFile()) return { target, problem: 'the file it links to cannot be found' };
      target = real ?? (await readlink(path).catch(() => path));
    }
  }
  if (info instanceof Error) {
    if (!absent(info)) return { target, problem: info.message };
  } else {
    const it = target === path ? 'it is' : `it links to ${target}, which is`;
    const kind = otherKind(info);
    if (kind !== undefined) return { target, problem: `${it} ${kind}, not a regular file` };
    mode = info.mode & 0o777;
    if ((mode & 0o222) === 0) return { target, problem: `${it} read-only (mode 0${mode.toString(8)})` };
    const denied = await access(target, constants.W_OK).then(() => undefined, (error: NodeJS.ErrnoException) => error.code);
    if (denied !== undefined) return { target, problem: `${it} not writable (${denied})` };
  }
  // The rename needs the folder too.
  const folder = dirname(target);
  const where = target === path ? '' : `it links to ${target}; `;
  const folderInfo = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (folderInfo instanceof Error) return { target, problem: `${where}${absent(folderInfo) ? `the folder ${folder} does not exist` : folderInfo.message}` };
  if (!folderInfo.isDirectory()) return { target, problem: `${where}${folder} is not a folder` };
  const denied = await access(folder, constants.W_OK | constants.X_OK).then(() => undefined, (error: NodeJS.ErrnoException) => error.code);
  if (denied !== undefined) return { target, problem: `${where}cannot write in the folder ${folder} (${denied})` };
  return { target, mode };
}

/** Where a chain of links that ends at nothing points: the path a save creates. Linux's own limit of 40 links holds. */
async function linkEnd(path: string): Promise<string> {
  const { lstat, readlink, realpath } = await nodeModule('fs/promises');
  const { dirname, resolve } = await nodeModule('path');
  let at = path;
  for (let links = 0; links <= 40; links++) {
    const info = await lstat(at).catch(() => undefined);
    if (!info?.isSymbolicLink()) return at;
    // A relative link is read from the link's real folder, as the kernel reads it.
    at = resolve(await realpath(dirname(at)), await readlink(at));
  }
  throw new Error('its symbolic links go round in a loop');
}

/** What a file that is not a regular file is, for a message; undefined for a regular file. */
function otherKind(info: import('node:fs').Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'a folder';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  return 'a file of an unknown kind';
}

/** Whether `path` is a folder (false where it is anything else or nothing). */
export async function isFolder(path: string): Promise<boolean> {
  const { stat } = await nodeModule('fs/promises');
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
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
