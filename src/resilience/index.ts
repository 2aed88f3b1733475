/**
 * Resilience policies: one file each, composed once by the router (see `policy.ts`).
 *
 * @module
 */
export { deadline } from './deadline.js';
export { fallback } from './fallback.js';
export {
  hedge,
  validateHedgeOptions,
  type FirstContentPercentiles,
  type HedgeAfter,
  type HedgeOperation,
  type HedgeOptions,
} from './hedge.js';
export {
  type AttemptPolicy,
  type AttemptStep,
  type CandidatePolicy,
  type CandidateStep,
  type CandidateSteps,
  wrapAttempt,
} from './policy.js';
export { retry } from './retry.js';
export { timeout } from './timeout.js';
