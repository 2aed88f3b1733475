/**
 * Where the vendor SDKs' own log lines go. By default nowhere: an SDK that prints (the openai and
 * anthropic SDKs print "Could not parse message into JSON" to the console on a malformed stream) is
 * given a silent logger. With a configured logger, the SDKs' warnings and errors go to it, redacted and
 * prefixed with the provider's name; their debug and info chatter (request dumps) never does.
 *
 * @module
 */
import { format } from 'node:util';
import { redactSecrets } from '../errors.js';

/**
 * A logger for the vendor SDKs' warnings and errors (a `console`, pino or winston logger fits).
 *
 * @example
 * ```ts
 * const logger: SdkLogger = { warn: (message) => log.warn(message), error: (message) => log.error(message) };
 * new Router({ providers, logger });
 * ```
 */
export interface SdkLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The four-level logger the SDKs take (openai, anthropic, AWS, cohere). */
export interface LeveledLogger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const ignore = (): void => undefined;

/**
 * A logger that drops everything.
 *
 * @example
 * ```ts
 * new Anthropic({ logger: SILENT_LOGGER, logLevel: 'off' });
 * ```
 */
export const SILENT_LOGGER: LeveledLogger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

/**
 * The logger to hand to a provider's SDK: silent without a configured logger; otherwise warnings and
 * errors go to it as one line each (`switchyard: <provider>: <message>`), secrets redacted.
 *
 * @example
 * ```ts
 * const logger = sdkLoggerFor('openai', config.logger); // pass as the SDK client's `logger`
 * ```
 */
export function sdkLoggerFor(provider: string, logger: SdkLogger | undefined): LeveledLogger {
  if (!logger) return SILENT_LOGGER;
  const line = (message: unknown, details: unknown[]): string => redactSecrets(`switchyard: ${provider}: ${format(message, ...details)}`);
  return {
    debug: ignore,
    info: ignore,
    warn: (message, ...details) => {
      try {
        logger.warn(line(message, details));
      } catch {
        /* a failing logger never fails a request */
      }
    },
    error: (message, ...details) => {
      try {
        logger.error(line(message, details));
      } catch {
        /* a failing logger never fails a request */
      }
    },
  };
}
