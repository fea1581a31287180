// How long a fresh process takes from importing mnist-wasm to its first prediction: import, load
// the kernels, build the seed network, predict one image. Prints one JSON object.

const importStarted = performance.now();
const { Sequential, dense, dropout, init, relu, softmax } = await import('../dist/index.js');
await init();
const model = new Sequential([dense(800, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()], { seed: 1 });
const probabilities = model.predict(new Uint8Array(784));
const done = performance.now();
if (probabilities.length !== 10) throw new Error('predict returned the wrong shape');
console.log(JSON.stringify({ fromImportMs: done - importStarted, fromProcessStartMs: done }));
