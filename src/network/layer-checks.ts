// What every layer factory checks, each naming the factory and the option: names, initializers, a
// choice among a few words, and the sizes and shapes of the image layers (a number or [height, width]).

import { InvalidArgumentError, describe } from '../errors.js';

/** How a layer's kernel or bias starts: Keras 1's `uniform` is U(-0.05, 0.05). */
export type Initializer = 'uniform' | 'glorotUniform' | 'heNormal' | 'zeros';
const INITIALIZERS: readonly Initializer[] = ['uniform', 'glorotUniform', 'heNormal', 'zeros'];

export function checkName(where: string, name: unknown): void {
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidArgumentError(`${where}: name must be a string, got ${describe(name)}`);
  }
}

export function checkInitializers(where: string, kernelInitializer: Initializer, biasInitializer: Initializer): void {
  for (const [field, value] of [['kernelInitializer', kernelInitializer], ['biasInitializer', biasInitializer]] as const) {
    if (!INITIALIZERS.includes(value)) {
      throw new InvalidArgumentError(`${where}: ${field} must be one of ${INITIALIZERS.join(', ')}, got ${describe(value)}`);
    }
  }
}

export function checkUseBias(where: string, useBias: unknown): void {
  if (useBias !== undefined && typeof useBias !== 'boolean') {
    throw new InvalidArgumentError(`${where}: useBias must be true or false, got ${describe(useBias)}`);
  }
}

/** `value` if it is one of `choices`; the message lists them as `'a', 'b' or 'c'`. */
export function requireChoice<T extends string>(where: string, field: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    const listed = choices.map((choice) => `'${choice}'`);
    throw new InvalidArgumentError(`${where}: ${field} must be ${listed.slice(0, -1).join(', ')} or ${listed.at(-1)}, got ${describeShape(value)}`);
  }
  return value as T;
}

/** A window or step size as [height, width]: Keras takes one number for both, or the two. */
export function requirePair(where: string, field: string, value: unknown): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isPositiveInteger)) {
    throw new InvalidArgumentError(`${where}: ${field} must be a positive integer or [height, width] of positive integers, got ${describeShape(value)}`);
  }
  return [pair[0], pair[1]];
}

/**
 * A copy of `value` if it is an input shape of positive integers: [height, width, channels] when
 * `rank` is 3, any length from 1 when it is undefined (flatten takes any shape, as Keras does).
 */
export function requireShape(where: string, value: unknown, rank?: 3): number[] {
  const sound = Array.isArray(value) && (rank === undefined ? value.length > 0 : value.length === rank) && value.every(isPositiveInteger);
  if (!sound) {
    const expected = rank === 3 ? '[height, width, channels]' : 'a non-empty array';
    throw new InvalidArgumentError(`${where}: inputShape must be ${expected} of positive integers, got ${describeShape(value)}`);
  }
  return [...(value as number[])];
}

const isPositiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

/** A short array as it was written ([28, 28]), anything else as errors.ts describes it. */
function describeShape(value: unknown): string {
  if (Array.isArray(value) && value.length <= 8) {
    return `[${value.map((item) => (typeof item === 'number' || typeof item === 'string' ? describe(item) : typeof item)).join(', ')}]`;
  }
  return describe(value);
}
