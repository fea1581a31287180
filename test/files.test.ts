// Model files in Node: save and loadModel keep every bit (and, when asked, the optimizer's state);
// loadWeights refuses a file made for another network, saying how it differs; and a save is whole or
// not at all, even when the process is killed in the middle of one.

import { spawn, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ModelFormatError, ModelMismatchError, SaveFailedError, Sequential, dense, dropout, init, loadMnist, loadModel, relu, sgd, softmax, toCategorical,
} from 'mnist-wasm';
import { checkSavePath } from '../dist/platform/files.js';

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-files-'));
  await init();
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('save and loadModel', () => {
  it('round-trips a trained model bit for bit, and refuses a damaged file by name', async () => {
    const { train, test } = await loadMnist();
    const model = new Sequential([dense(32, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { name: 'small', seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1 }) });
    await model.fit(train.images.subarray(0, 1000 * 784), toCategorical(train.labels.subarray(0, 1000), 10), { batchSize: 100, seed: 1 });
    const path = join(folder, 'small.mnwm');
    await model.save(path);
    const loaded = await loadModel(path);
    expect(loaded.name).toBe('small');
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.predict(test.images.subarray(0, 784 * 50))).toEqual(model.predict(test.images.subarray(0, 784 * 50)));
    expect(await readFile(path)).toEqual(Buffer.from(model.toBytes()));
    expect(await readdir(folder)).toEqual(['small.mnwm']);

    const bytes = await readFile(path);
    await writeFile(join(folder, 'cut.mnwm'), bytes.subarray(0, 1000));
    const error = await loadModel(join(folder, 'cut.mnwm')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/cut\.mnwm: (header length|checksum)/);
  });

  it('loadWeights takes a file made for the same network, and names the first difference otherwise', async () => {
    const a = new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
    const b = new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 2 });
    const path = join(folder, 'a.mnwm');
    await a.save(path);
    await b.loadWeights(path);
    expect(b.getWeights()).toEqual(a.getWeights());
    const cases: Array<[Sequential, string]> = [
      [new Sequential([dense(32, { inputDim: 784 }), relu(), dense(10), softmax()]), 'layer 0: the file has dense(16, inputDim 784), the model has dense(32, inputDim 784)'],
      [new Sequential([dense(16, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()]), 'layer 2: the file has dense(10), the model has dropout(0.5)'],
      [new Sequential([dense(16, { inputDim: 784 }), relu(), dense(10, { useBias: false }), softmax()]), 'layer 2: the file has dense(10), the model has dense(10, no bias)'],
    ];
    for (const [model, difference] of cases) {
      const error = await model.loadWeights(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelMismatchError);
      expect((error as Error).message).toBe(`${path}: made for another network: ${difference}`);
    }
  });

  it('a save that cannot be written fails with SaveFailedError and leaves the old file as it was', async () => {
    const model = new Sequential([dense(8, { inputDim: 784 }), softmax()], { seed: 1 });
    const path = join(folder, 'kept.mnwm');
    await writeFile(path, 'the old file');
    // A folder where the new file should be: the rename over it fails.
    const blocked = join(folder, 'blocked.mnwm');
    await import('node:fs/promises').then(({ mkdir }) => mkdir(join(blocked, 'inside'), { recursive: true }));
    const error = await model.save(blocked).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaveFailedError);
    expect((error as Error).message).toMatch(/blocked\.mnwm: could not save \(.*\); any file there before is unchanged/);
    await expect(model.save(join(folder, 'no/such/folder/m.mnwm'))).rejects.toThrow(SaveFailedError);
    expect(await readFile(path, 'utf8')).toBe('the old file');
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('what a save may replace', () => {
  // Each case gets its own folder, so a leftover temporary file would show.
  let place = '';
  let count = 0;
  const fresh = async (): Promise<string> => {
    place = join(folder, `paths-${count++}`);
    await mkdir(place);
    return place;
  };
  const model = new Sequential([dense(4, { inputDim: 784 }), softmax()], { seed: 1 });
  const refusal = async (path: string): Promise<string> => {
    const error = await model.save(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaveFailedError);
    return (error as Error).message;
  };

  it('refuses a FIFO, a socket, a folder and a character device, naming what is there, and leaves each as it was', async () => {
    const dir = await fresh();
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(await refusal(fifo)).toBe(`${fifo}: could not save (it is a FIFO (named pipe), not a regular file); any file there before is unchanged`);
    expect((await lstat(fifo)).isFIFO()).toBe(true);

    const socket = join(dir, 'socket');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(await refusal(socket)).toContain('(it is a socket, not a regular file)');
      expect((await lstat(socket)).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    await mkdir(join(dir, 'folder'));
    expect(await refusal(join(dir, 'folder'))).toContain('(it is a folder, not a regular file)');

    // A device node of our own, the same as /dev/null: only root may make one.
    const device = join(dir, 'null');
    if (spawnSync('mknod', [device, 'c', '1', '3']).status === 0) {
      expect(await refusal(device)).toContain('(it is a character device, not a regular file)');
      expect((await lstat(device)).isCharacterDevice()).toBe(true);
    }
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a read-only file (whoever runs it, root too) and leaves it untouched', async () => {
    const dir = await fresh();
    const path = join(dir, 'kept.mnwm');
    await writeFile(path, 'the old file');
    await chmod(path, 0o444);
    expect(await refusal(path)).toBe(`${path}: could not save (it is read-only (mode 0444)); any file there before is unchanged`);
    expect(await readFile(path, 'utf8')).toBe('the old file');
    expect((await stat(path)).mode & 0o777).toBe(0o444);
    expect(await readdir(dir)).toEqual(['kept.mnwm']);
  });

  it('follows a symbolic link: the file it points to is replaced, keeping its mode, and the link stays a link', async () => {
    const dir = await fresh();
    await mkdir(join(dir, 'elsewhere'));
    const target = join(dir, 'elsewhere', 'model.mnwm');
    await writeFile(target, 'the old file');
    await chmod(target, 0o600);
    const link = join(dir, 'link.mnwm');
    await symlink('elsewhere/model.mnwm', link);
    await model.save(link);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('elsewhere/model.mnwm');
    expect(await readFile(target)).toEqual(Buffer.from(model.toBytes()));
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'elsewhere'))).toEqual(['model.mnwm']);

    // A link to nothing yet: the file is made where it points, if that folder exists.
    const dangling = join(dir, 'dangling.mnwm');
    await symlink('elsewhere/new.mnwm', dangling);
    await model.save(dangling);
    expect((await lstat(dangling)).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'elsewhere', 'new.mnwm'))).toEqual(Buffer.from(model.toBytes()));
    const nowhere = join(dir, 'nowhere.mnwm');
    await symlink('absent/new.mnwm', nowhere);
    expect(await refusal(nowhere)).toContain(`it links to ${join(dir, 'absent', 'new.mnwm')}; the folder ${join(dir, 'absent')} does not exist`);

    // Through a link, what is at the end of it is what counts.
    await chmod(target, 0o444);
    expect(await refusal(link)).toContain(`(it links to ${target}, which is read-only (mode 0444))`);
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await symlink('fifo', join(dir, 'to-fifo'));
    expect(await refusal(join(dir, 'to-fifo'))).toContain(`(it links to ${fifo}, which is a FIFO (named pipe), not a regular file)`);
    await symlink('loop-b', join(dir, 'loop-a'));
    await symlink('loop-a', join(dir, 'loop-b'));
    expect(await refusal(join(dir, 'loop-a'))).toContain('(its symbolic links go round in a loop)');
    expect((await lstat(join(dir, 'loop-a'))).isSymbolicLink()).toBe(true);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('checkSavePath makes the same checks without writing anything', async () => {
    const dir = await fresh();
    await checkSavePath(join(dir, 'new.mnwm'), '--save');
    await writeFile(join(dir, 'old.mnwm'), 'the old file');
    await checkSavePath(join(dir, 'old.mnwm'), '--save');
    await symlink('old.mnwm', join(dir, 'link.mnwm'));
    await checkSavePath(join(dir, 'link.mnwm'), '--save');
    expect((await readdir(dir)).sort()).toEqual(['link.mnwm', 'old.mnwm']);
    expect(await readFile(join(dir, 'old.mnwm'), 'utf8')).toBe('the old file');

    const failure = async (path: string): Promise<string> => {
      const error = await checkSavePath(path, '--save').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SaveFailedError);
      return (error as Error).message;
    };
    expect(await failure(join(dir, 'absent', 'm.mnwm'))).toBe(`--save: cannot save to ${join(dir, 'absent', 'm.mnwm')}: the folder ${join(dir, 'absent')} does not exist`);
    expect(await failure(join(dir, 'old.mnwm', 'm.mnwm'))).toBe(`--save: cannot save to ${join(dir, 'old.mnwm', 'm.mnwm')}: ${join(dir, 'old.mnwm')} is not a folder`);
    await chmod(join(dir, 'old.mnwm'), 0o444);
    expect(await failure(join(dir, 'old.mnwm'))).toBe(`--save: cannot save to ${join(dir, 'old.mnwm')}: it is read-only (mode 0444)`);
    expect(await failure(dir)).toBe(`--save: cannot save to ${dir}: it is a folder, not a regular file`);
  });
});

describe('a process killed while saving', () => {
  it('leaves either the old file or the new one, never a broken one (SIGKILL at 12 moments)', async () => {
    // The child saves a 784-2048-2048-10 model (24 MB) over and over, its weights all 1 then all 2 in
    // turn, and says so after each save.
    const target = join(folder, 'big.mnwm');
    const script = join(folder, 'saver.mjs');
    const library = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    await writeFile(script, `
      import { Sequential, dense, init, softmax } from ${JSON.stringify(library)};
      await init();
      const model = new Sequential([dense(2048, { inputDim: 784 }), dense(2048), dense(10), softmax()], { seed: 1 });
      for (let round = 1; ; round++) {
        model.setWeights(model.getWeights().map((w) => w.fill(round % 2 ? 1 : 2)));
        await model.save(process.argv[2]);
        process.stdout.write('saved\\n');
      }
    `);
    let saves = 0;
    for (let kill = 0; kill < 12; kill++) {
      const child = spawn(process.execPath, [script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      const delay = (kill * 53) % 400;
      await new Promise<void>((resolve) => {
        let armed = false;
        child.stdout.on('data', (chunk: Buffer) => {
          saves += chunk.toString().split('saved').length - 1;
          if (armed) return;
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), delay);
        });
        child.on('close', () => resolve());
      });
      const loaded = await loadModel(target);
      const values = new Set(loaded.getWeights().flatMap((w) => [w[0], w[w.length >> 1], w[w.length - 1]]));
      expect(values.size).toBe(1);
      expect([1, 2]).toContain([...values][0]);
    }
    const leftovers = (await readdir(folder)).filter((name) => name.endsWith('.tmp'));
    console.log(`12 kills during ${saves} saves: every file read back whole; ${leftovers.length} temporary files left by the kills`);
    expect(saves).toBeGreaterThanOrEqual(12);
  });
});
