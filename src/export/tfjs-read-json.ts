// The loosely typed JSON of a TensorFlow.js model.json, as the readers of its topology
// (tfjs-read-layers.ts) and of its weights manifest (tfjs-read-weights.ts) both look at it: what counts
// as an object, a key in Keras's spelling or TensorFlow.js's, a shape as messages print it. Separate so
// that neither reader imports the other for these.

export type Dict = Record<string, unknown>;

export const isDict = (value: unknown): value is Dict =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);

/** A config value under its Keras key (snake_case, as files hold it) or TensorFlow.js's camelCase one. */
export function read(config: Dict, key: string): unknown {
  if (Object.hasOwn(config, key)) return config[key];
  const camel = key.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase());
  return Object.hasOwn(config, camel) ? config[camel] : undefined;
}

export const isPositiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;
export const formatShape = (shape: readonly unknown[]): string => `[${shape.map((size) => String(size ?? 'null')).join(', ')}]`;
