/**
 * Where the vendor SDKs' own log lines go. By default nowhere: an SDK that prints (the openai and
 * anthropic SDKs print "Could not parse message into JSON" to the console on a malformed stream) is
 * given a silent logger. With a configured logger, the SDKs' warnings and errors go to it, redacted and
 * prefixed with the provider's name; their debug and info chatter (request dumps) never does.
 *
 * @module
 */
import { format } from 'node:util';
import { redactSecrets } from '../../core/errors.js';

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
  const line = (message: unknown, details: unknown[]): string =>
    redactSecrets(`switchyard: ${provider}: ${format(message, ...details)}`);
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

/** Notices already passed on (an SDK repeats some on every request): each goes to the logger once. */
const noticesSeen = new Set<string>();
const MAX_NOTICES_SEEN = 256;

/**
 * Runs `body` — synchronous: an SDK client's constructor, or the synchronous start of an SDK call — with
 * the notices it prints on its own routed to `logger` (an {@link sdkLoggerFor} logger: the configured
 * logger, or nowhere) instead of the console: process warnings (the AWS SDK's Node version warning,
 * emitted when a client is built) and `console.warn` (the anthropic SDK's model deprecation notice,
 * printed on every request to a deprecated model). Each distinct notice is passed on once.
 *
 * @example
 * ```ts
 * const client = withSdkNotices(sdkLoggerFor('bedrock', config.logger), () => new BedrockRuntimeClient(options));
 * ```
 */
export function withSdkNotices<T>(logger: LeveledLogger, body: () => T): T {
  const emitWarning = process.emitWarning;
  const consoleWarn = console.warn;
  const restore = (): void => {
    process.emitWarning = emitWarning;
    console.warn = consoleWarn;
  };
  const install = (): void => {
    process.emitWarning = ((warning: string | Error) =>
      notice(
        typeof warning === 'string' ? warning : `${warning.name}: ${warning.message}`,
      )) as typeof process.emitWarning;
    console.warn = (message?: unknown, ...details: unknown[]): void => notice(format(message, ...details));
  };
  const notice = (text: string): void => {
    if (noticesSeen.has(text)) return;
    if (noticesSeen.size >= MAX_NOTICES_SEEN) noticesSeen.clear();
    noticesSeen.add(text);
    // The logger may print through the console itself: it gets the real one.
    restore();
    try {
      logger.warn(text);
    } catch {
      /* a failing logger never fails a request */
    } finally {
      install();
    }
  };
  install();
  try {
    return body();
  } finally {
    restore();
  }
}
