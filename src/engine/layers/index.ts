// Every layer kind the engine runs, by the name topology nodes and plan operations carry: adding a
// kind is adding its module and a line here.

import type { Node } from '../../network/topology.js';
import type { Op } from '../plan-types.js';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import type { LayerKind } from './kind.js';
import { maxPooling2d } from './max-pooling2d.js';
import { relu } from './relu.js';
import { softmax } from './softmax.js';

export const LAYER_KINDS: Record<Op['kind'] & Node['kind'], LayerKind<never>> = { dense, relu, dropout, softmax, conv2d, maxPooling2d, flatten };
