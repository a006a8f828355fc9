/** Version of the solver. It is part of every result id, so bump it whenever a number can change. */
export const SOLVER_VERSION = '0.1.0';
