import { ErrorBody } from '../schemas.js';

/** OpenAPI response entry for an error status. */
export function errorResponseSpec(description: string) {
  return { description, content: { 'application/json': { schema: ErrorBody } } };
}

export const bearerSecurity = [{ bearer: [] }];

/** Error responses shared by routes that read the body and need a token. */
export const commonErrors = {
  401: errorResponseSpec('Missing, malformed or invalid bearer token (`unauthorized`).'),
  422: errorResponseSpec('Invalid field, parameter or statistics set.'),
  503: errorResponseSpec('Storage failed (`storage_unavailable`); retry after the `Retry-After` seconds.'),
};
