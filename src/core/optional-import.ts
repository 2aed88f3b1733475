/**
 * The one place switchyard loads an optional peer package (a vendor SDK, ioredis).
 *
 * The specifier is a variable and the `import()` carries `webpackIgnore` and `turbopackIgnore`, so
 * bundlers that build an app using switchyard (Next.js with Turbopack or webpack, and others that
 * honour the comments) leave the call alone: the package is loaded by Node at run time, from the app's
 * node_modules, when a provider needs it, and a package that is not installed is no build error.
 * The CommonJS build keeps the native `import()` too (tsup.config.ts checks that), so the comments
 * hold there as well.
 *
 * @module
 */

/** Every specifier {@link importOptional} was asked for, in order (a set: a module is loaded once). */
const requested = new Set<string>();

/**
 * The specifiers {@link importOptional} has been asked for so far: what warming (`router.ready()`) loaded,
 * and whether anything after it loaded more.
 *
 * @example
 * ```ts
 * await router.ready();
 * const loaded = new Set(optionalImportsRequested());
 * ```
 */
export function optionalImportsRequested(): ReadonlySet<string> {
  return requested;
}

/**
 * Imports an optional package at run time, out of sight of bundlers. Rejects like `import()` does
 * (`ERR_MODULE_NOT_FOUND` when the package is not installed).
 *
 * @example
 * ```ts
 * const { default: OpenAI } = await importOptional<typeof import('openai')>('openai');
 * ```
 */
export function importOptional<Module>(specifier: string): Promise<Module> {
  requested.add(specifier);
  return import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ specifier) as Promise<Module>;
}
