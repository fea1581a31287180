// The demo page (examples/web) as a user gets it: built by Vite against the packed tarball, served on
// 127.0.0.1 by Vite's preview server, and driven in Debian's Chromium through playwright-core. It
// trains in the page, first cross-origin isolated (threads), then not (one thread); the test draws
// digits on its canvas and checks what the model says, and saves a screenshot in artifacts/. The
// training report that `mnist-wasm train --report` writes is rendered there too.

import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { packedProject, root } from './packed.js';

const CHROMIUM = '/usr/bin/chromium';
let project = '';
let demo = '';
let browser: Browser | undefined;

// Without Chromium these tests are skipped; `npm test` installs it where it can and otherwise says so
// once (test/system-packages.mjs).
const hasChromium = existsSync(CHROMIUM);

beforeAll(async () => {
  if (!hasChromium) return;
  ({ project } = await packedProject('browser'));
  demo = join(project, 'web');
  await cp(join(root, 'examples/web'), demo, { recursive: true, filter: (source) => !/node_modules|dist$/.test(source) });
  await build({ root: demo, configFile: join(demo, 'vite.config.js'), logLevel: 'silent' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine has no network beyond loopback: no background connections.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

/** Serves the built demo, with or without the COOP/COEP headers, for the length of `use`. */
async function withDemoPage(isolated: boolean, use: (page: Page) => Promise<void>): Promise<void> {
  process.env.CROSS_ORIGIN_ISOLATION = isolated ? '1' : '0';
  const server: PreviewServer = await preview({
    root: demo, configFile: join(demo, 'vite.config.js'), logLevel: 'silent',
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const page = await browser!.newPage({ viewport: { width: 1300, height: 960 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => response.status() >= 400 && problems.push(`HTTP ${response.status()} ${response.url()}`));
  try {
    await page.goto(server.resolvedUrls!.local[0]);
    await use(page);
    expect(problems).toEqual([]);
  } finally {
    await page.close();
    await server.close();
    delete process.env.CROSS_ORIGIN_ISOLATION;
  }
}

async function trainInPage(page: Page, epochs: number, network = 'mlp'): Promise<{ accuracy: number; loss: number; threads: number }> {
  await page.selectOption('#network', network);
  await page.fill('#epochs', String(epochs));
  await page.click('#train');
  await page.waitForSelector('body[data-accuracy], body[data-error]', { timeout: 240_000 });
  const error = await page.getAttribute('body', 'data-error');
  if (error) throw new Error(`the page failed: ${error}`);
  return {
    accuracy: Number(await page.getAttribute('body', 'data-accuracy')),
    loss: Number(await page.getAttribute('body', 'data-loss')),
    threads: Number(await page.getAttribute('#environment', 'data-threads')),
  };
}

/** Strokes in fractions of the pad: a digit as a person would draw it. */
const DIGITS: Record<number, Array<Array<[number, number]>>> = {
  0: [Array.from({ length: 25 }, (_, i): [number, number] => [0.5 + 0.2 * Math.sin((i / 12) * Math.PI), 0.5 - 0.32 * Math.cos((i / 12) * Math.PI)])],
  1: [[[0.5, 0.15], [0.5, 0.85]]],
  4: [[[0.35, 0.15], [0.3, 0.55], [0.7, 0.55]], [[0.6, 0.2], [0.6, 0.85]]],
  7: [[[0.28, 0.2], [0.72, 0.2], [0.45, 0.85]]],
};

async function drawAndClassify(page: Page, strokes: Array<Array<[number, number]>>): Promise<number> {
  await page.click('#clear');
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 8 });
    await page.mouse.up();
  }
  await page.waitForSelector('#prediction[data-class]');
  return Number(await page.getAttribute('#prediction', 'data-class'));
}

describe.skipIf(!hasChromium)('the demo page (examples/web) in Chromium', () => {
  it('trains on threads when cross-origin isolated, to 97% in 3 epochs, and classifies drawn digits', async () => {
    await withDemoPage(true, async (page) => {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const result = await trainInPage(page, 3);
      expect(result.threads).toBe(2);
      expect(result.accuracy).toBeGreaterThanOrEqual(0.97);
      expect(await page.locator('#confusion td').count()).toBe(100);
      for (const [digit, strokes] of Object.entries(DIGITS)) expect(await drawAndClassify(page, strokes)).toBe(Number(digit));
      await mkdir(join(root, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(root, 'artifacts/demo-page.png'), fullPage: true });
    });
  });

  it('falls back to one thread when the page is not cross-origin isolated, with the same bits as in Node', async () => {
    await withDemoPage(false, async (page) => {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const result = await trainInPage(page, 1);
      expect(result.threads).toBe(1);

      // The same recipe in Node, from the same installed tarball: the test loss must match to the bit.
      const { loadMnist, toCategorical } = (await import(join(project, 'node_modules/mnist-wasm/dist/index.js'))) as typeof import('mnist-wasm');
      const { buildModel, BATCH_SIZE, SEED } = (await import(join(demo, 'recipe.js'))) as {
        buildModel(epochs: number, images: number): import('mnist-wasm').Sequential;
        BATCH_SIZE: number;
        SEED: number;
      };
      const { train, test } = await loadMnist();
      const model = buildModel(1, train.count);
      await model.fit(train.images, toCategorical(train.labels, 10), { batchSize: BATCH_SIZE, epochs: 1, seed: SEED });
      const [loss, accuracy] = model.evaluate(test.images, toCategorical(test.labels, 10));
      expect(result.accuracy).toBe(accuracy);
      expect(result.loss).toBe(loss);
      expect(accuracy).toBeGreaterThan(0.95);
    });
  });

  it('trains the convolutional network too, on every core, with the same bits as in Node', async () => {
    await withDemoPage(true, async (page) => {
      const result = await trainInPage(page, 1, 'cnn');
      expect(result.threads).toBe(2);
      const { loadMnist, toCategorical } = (await import(join(project, 'node_modules/mnist-wasm/dist/index.js'))) as typeof import('mnist-wasm');
      const { buildModel, BATCH_SIZES, SEED } = (await import(join(demo, 'recipe.js'))) as {
        buildModel(epochs: number, images: number, network: string): import('mnist-wasm').Sequential;
        BATCH_SIZES: Record<string, number>;
        SEED: number;
      };
      const { train, test } = await loadMnist();
      const model = buildModel(1, train.count, 'cnn');
      await model.fit(train.images, toCategorical(train.labels, 10), { batchSize: BATCH_SIZES.cnn, epochs: 1, seed: SEED, threads: 1 });
      const [loss, accuracy] = model.evaluate(test.images, toCategorical(test.labels, 10));
      expect(result.accuracy).toBe(accuracy);
      expect(result.loss).toBe(loss);
      expect(accuracy).toBeGreaterThan(0.97);
    });
  }, 300_000);
});

describe.skipIf(!hasChromium)('the training report (mnist-wasm train --report) in Chromium', () => {
  it('renders its curves, confusion matrix and digits, and is saved as a screenshot', async () => {
    const report = join(project, 'report.html');
    execFileSync(process.execPath, [join(project, 'node_modules/mnist-wasm/dist/cli/main.js'), 'train', '--epochs', '3', '--hidden', '64', '--report', report], { stdio: 'ignore', timeout: 120_000 });
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => void (request.url().startsWith('file:') || request.url().startsWith('data:') || requests.push(request.url())));
    try {
      await page.goto(`file://${report}`);
      const charts = page.locator('svg polyline');
      expect(await charts.count()).toBe(4);
      for (let i = 0; i < 4; i++) expect((await charts.nth(i).boundingBox())!.width).toBeGreaterThan(300);
      expect(await page.locator('table.confusion td').count()).toBe(100);
      const digits = await page.locator('.digit img').evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
      expect(digits.length).toBeGreaterThan(10);
      expect(digits.every((width) => width === 28)).toBe(true);
      expect(requests).toEqual([]);
      await mkdir(join(root, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(root, 'artifacts/report.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });
});
