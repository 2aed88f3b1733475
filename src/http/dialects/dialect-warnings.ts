/**
 * What a dialect could not pass on as asked, told back to the caller: the `x-gateway-warnings`
 * response header carries the request's warnings as JSON (the V4 `Warning` objects), on JSON and
 * streamed answers alike. Warnings come from the dialect (a field it takes but cannot honour, a
 * vendor-only field the serving provider does not have) and from the provider (an option it dropped).
 *
 * @module
 */
import type { ProviderType } from '../../providers/provider.js';
import type { Warning } from '../../core/types.js';

/**
 * The response header listing the request's warnings as a JSON array. @example
 * `JSON.parse(response.headers.get(WARNINGS_HEADER) ?? '[]')`
 */
export const WARNINGS_HEADER = 'x-gateway-warnings';

/**
 * A field that only some provider types honour (the dialect forwards it under their
 * `providerOptions`): the others get a warning, once the serving provider is known.
 *
 * @example
 * ```ts
 * const field: VendorField = { feature: 'service_tier', honouredBy: ['openai'] };
 * ```
 */
export interface VendorField {
  feature: string;
  honouredBy: readonly ProviderType[];
}

/**
 * The notes a dialect keeps about one request while it parses it.
 *
 * @example
 * ```ts
 * const notes = new DialectNotes();
 * notes.warn({ type: 'unsupported', feature: 'logprobs' });
 * notes.vendorOnly('store', ['openai']);
 * notes.warningsFor('anthropic'); // both, the second one saying that anthropic ignores it
 * ```
 */
export class DialectNotes {
  private readonly warnings: Warning[] = [];
  private readonly fields: VendorField[] = [];

  /** A warning whatever provider serves. */
  warn(warning: Warning): void {
    this.warnings.push(warning);
  }

  /** A field forwarded to the listed provider types only. */
  vendorOnly(feature: string, honouredBy: readonly ProviderType[]): void {
    if (!this.fields.some((field) => field.feature === feature)) this.fields.push({ feature, honouredBy });
  }

  /** Whether nothing was noted (then nothing is added to the answer). */
  get empty(): boolean {
    return this.warnings.length === 0 && this.fields.length === 0;
  }

  /**
   * The warnings for an answer by a provider of this type (`undefined` when it is not known yet: vendor fields are left
   * out).
   */
  warningsFor(providerType: ProviderType | undefined): Warning[] {
    const result = [...this.warnings];
    if (providerType === undefined) return result;
    for (const field of this.fields) {
      if (!field.honouredBy.includes(providerType)) {
        result.push({
          type: 'unsupported',
          feature: field.feature,
          details: `${providerType} has no such setting (only ${field.honouredBy.join(', ')}); it was not sent`,
        });
      }
    }
    return result;
  }
}

/**
 * The `x-gateway-warnings` header for a list of warnings, or no header when there are none. The
 * JSON is kept to ASCII so that it is a valid header value.
 *
 * @example
 * ```ts
 * warningsHeader([{ type: 'unsupported', feature: 'topK' }]); // { 'x-gateway-warnings': '[{"type":"unsupported","feature":"topK"}]' }
 * ```
 */
export function warningsHeader(warnings: readonly Warning[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return {
    [WARNINGS_HEADER]: JSON.stringify(warnings).replace(
      /[\u007f-\uffff]/g,
      (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  };
}
