import { OpenAPIHono } from '@hono/zod-openapi';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { MadmixError } from '../core/errors.js';
import { SOLVER_VERSION } from '../core/version.js';
import { readCors } from './cors.js';
import type { AppEnv } from './env.js';
import { errorResponse, logUnmatched, onError, onNotFound, validationHook } from './errors.js';
import { logLine } from './log.js';
import { meta } from './routes/meta.js';
import { mixtures } from './routes/mixtures.js';
import { pages } from './routes/pages.js';
import { stats } from './routes/stats.js';
import { storageGuard } from './storage.js';
import { jobTokenScope } from './jobs/auth.js';
import { jobs } from './jobs/index.js';

const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.use(requestId({ headerName: 'x-request-id', limitLength: 128 }));
app.use(readCors);
app.use(storageGuard);
app.use(logUnmatched);
app.use(jobTokenScope);
app.use(
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      const error = new MadmixError('method_not_allowed', `Method ${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(', ')}.`, {
        allow: methods,
      });
      logLine('warn', error.message, { requestId: c.get('requestId'), status: 405, code: error.code });
      return errorResponse(c as never, error, { allow: methods.join(', ') });
    },
  }),
);

app.route('/v1', meta);
app.route('/v1/stats', stats);
app.route('/v1/jobs', jobs);
app.route('/v1', mixtures);
app.route('/', pages);

app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
app.doc('/openapi.json', {
  openapi: '3.0.3',
  info: {
    title: 'madmix API',
    version: SOLVER_VERSION,
    description: 'Data mixtures for vision-language model training. Errors are `{ error: { code, message, details? }, requestId }`.',
  },
});

app.onError(onError);
app.notFound(onNotFound);

export default app;
// A Worker exports its Durable Object classes from the main module, next to the default fetch handler.
export { JobCoordinator } from './jobs/coordinator.js';
