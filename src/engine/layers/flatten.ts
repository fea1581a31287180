// Flatten: channels-last activations are already stored row by row as Keras flattens them
// (height, then width, then channels), so flattening moves nothing: no buffer, no operation.

import type { FlattenNode } from '../../network/topology.js';
import type { LayerKind } from './kind.js';

export const flatten: LayerKind<FlattenNode> = {
  plan: () => undefined,
  forward: () => undefined,
};
