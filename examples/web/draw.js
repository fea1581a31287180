// The drawing pad, and how a drawing becomes an MNIST-like input. MNIST digits were size-normalised
// to fit a 20×20 box, keeping their aspect ratio, and then centred by their centre of mass in a 28×28
// image; a drawing that is not prepared the same way is classified far worse.

const SIZE = 28;
const BOX = 20;

/** Lets the user draw white strokes on the black pad; calls `onStroke` when a stroke ends. */
export function drawingPad(canvas, onStroke) {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.lineWidth = canvas.width / 14;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.strokeStyle = '#fff';
  let drawing = false;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...at(event));
    context.lineTo(...at(event));
    context.stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    context.lineTo(...at(event));
    context.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return {
    clear() {
      context.fillStyle = '#000';
      context.fillRect(0, 0, canvas.width, canvas.height);
    },
  };
}

/** The drawing as 784 grey levels, prepared as MNIST's digits were; undefined if the pad is empty. */
export function toMnistPixels(canvas) {
  const { width, height } = canvas;
  const ink = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[(y * width + x) * 4] > 0) {
        left = Math.min(left, x); right = Math.max(right, x);
        top = Math.min(top, y); bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return undefined;

  // Scale the drawing's bounding box into 20×20, smoothing as it shrinks.
  const w = right - left + 1, h = bottom - top + 1;
  const scale = BOX / Math.max(w, h);
  const fitted = new OffscreenCanvas(SIZE, SIZE);
  const small = fitted.getContext('2d', { willReadFrequently: true });
  small.imageSmoothingQuality = 'high';
  small.drawImage(canvas, left, top, w, h, 0, 0, Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  const grey = small.getImageData(0, 0, SIZE, SIZE).data;

  // Then move its centre of mass to the centre of the 28×28 image.
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = grey[(y * SIZE + x) * 4];
      mass += v; cx += v * x; cy += v * y;
    }
  }
  const dx = Math.round(SIZE / 2 - 0.5 - cx / mass), dy = Math.round(SIZE / 2 - 0.5 - cy / mass);
  const pixels = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < SIZE && ty >= 0 && ty < SIZE) pixels[ty * SIZE + tx] = grey[(y * SIZE + x) * 4];
    }
  }
  return pixels;
}
