/**
 * The guardrails middleware and its parts.
 *
 * @module
 */
export {
  guardrails,
  type DetectorSelection,
  type GuardrailAccountScope,
  type GuardrailCheck,
  type GuardrailCheckInput,
  type GuardrailCheckResult,
  type GuardrailDefinition,
  type GuardrailJudge,
  type GuardrailKeyScope,
  type GuardrailPhase,
  type GuardrailsConfig,
} from './guardrails.js';
export {
  builtInDetector,
  PII_DETECTORS,
  SECRET_DETECTORS,
  type BuiltInDetectorName,
  type Detector,
  type DetectorMatch,
} from './detectors.js';
export type { AllowPattern, DenyPattern } from './lists.js';
export type { GuardrailAction } from './text-guard.js';
export { ibanValid, luhnValid } from './checksums.js';
