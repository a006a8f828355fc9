import type { LinalgBackend } from '../linalg/backend.js';
import type { StatsSet } from '../stats/types.js';
import { avgMethod } from './avg.js';
import { chameleonMethod } from './chameleon.js';
import { madmixMethod } from './madmix.js';
import { manualMethod } from './manual.js';
import type { MethodOutput } from './output.js';
import { modalityMethod } from './single-modality.js';
import { proportionalMethod, temperatureMethod, uniformMethod, unimaxMethod } from './size-baselines.js';
import type { MethodName } from './types.js';

export type MethodRunner = (set: StatsSet, params: Record<string, unknown>, backend: LinalgBackend) => MethodOutput;

/** Implementation of each method; parameters arrive validated with defaults filled in. */
export const RUNNERS: Record<MethodName, MethodRunner> = {
  madmix: madmixMethod,
  avg: avgMethod,
  modality: modalityMethod,
  chameleon: chameleonMethod,
  uniform: uniformMethod,
  proportional: proportionalMethod,
  temperature: temperatureMethod,
  unimax: unimaxMethod,
  manual: manualMethod,
};
