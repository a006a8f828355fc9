import { OpenAPIHono } from '@hono/zod-openapi';
import { EXPORT_FORMATS } from '../../core/exports/index.js';
import { METHODS } from '../../core/mix.js';
import { SOLVER_VERSION } from '../../core/version.js';
import type { AppEnv } from '../env.js';
import * as limits from '../limits.js';

/** `/v1`: what the API offers, its limits and where its description is. */
export const meta = new OpenAPIHono<AppEnv>();

meta.get('/', (c) =>
  c.json({
    name: 'madmix',
    description: 'Data mixtures for vision-language model training: MaD-Mix and baselines.',
    solverVersion: SOLVER_VERSION,
    openapi: '/openapi.json',
    docs: '/docs',
    methods: METHODS,
    exportFormats: EXPORT_FORMATS,
    limits: {
      inlineBodyBytes: limits.MAX_INLINE_BODY_BYTES,
      uploadBodyBytes: limits.MAX_UPLOAD_BODY_BYTES,
      mergeInputBytes: limits.MAX_MERGE_INPUT_BYTES,
      mergeSets: limits.MAX_MERGE_SETS,
      domains: limits.MAX_DOMAINS,
      modalities: limits.MAX_MODALITIES,
      totalWidth: limits.MAX_TOTAL_WIDTH,
      solveMemoryBytes: limits.SOLVE_MEMORY_BUDGET_BYTES,
    },
    routes: [
      'POST /v1/stats',
      'GET /v1/stats',
      'GET /v1/stats/{id}',
      'GET /v1/stats/{id}/download?format=json|safetensors',
      'POST /v1/stats/merge',
      'DELETE /v1/stats/{id}',
      'POST /v1/mixtures',
      'GET /v1/mixtures/{id}',
      'GET /v1/mixtures/{id}/export/{format}',
      'POST /v1/compare',
      'POST /v1/jobs',
      'POST /v1/jobs/claim',
      'GET /v1/jobs/{id}',
      'PUT /v1/jobs/{id}/shards/{index}',
      'POST /v1/jobs/{id}/shards/{index}/lease',
      'DELETE /v1/jobs/{id}/shards/{index}/lease',
      'POST /v1/jobs/{id}/complete',
    ],
  }),
);
