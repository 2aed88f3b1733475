/**
 * File references as dialects carry them (data URLs, http URLs, bare base64) turned into canonical
 * file data with a media type.
 *
 * @module
 */
import type { FileData } from '../../core/types.js';
import { invalid } from '../validate.js';

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  txt: 'text/plain',
};

/**
 * A data URL, http(s) URL or bare base64 string as file data and its media type.
 *
 * @example
 * ```ts
 * fileFromReference('data:image/png;base64,iVBORw0KGgo=', 'image/*', 'messages[0].content[1].image_url.url');
 * // { mediaType: 'image/png', data: { type: 'data', data: 'iVBORw0KGgo=' } }
 * ```
 */
export function fileFromReference(
  reference: string,
  fallbackMediaType: string,
  path: string,
): { mediaType: string; data: FileData } {
  if (reference.startsWith('data:')) {
    const comma = reference.indexOf(',');
    const header = comma < 0 ? '' : reference.slice(5, comma);
    if (comma < 0 || !header.endsWith(';base64'))
      throw invalid(`\`${path}\` must be a base64 data URL (data:<media type>;base64,<data>) or an http(s) URL`, path);
    const mediaType = header.slice(0, -';base64'.length) || fallbackMediaType;
    return { mediaType, data: { type: 'data', data: reference.slice(comma + 1) } };
  }
  if (/^https?:\/\//i.test(reference))
    return { mediaType: mediaTypeFromUrl(reference) ?? fallbackMediaType, data: { type: 'url', url: reference } };
  if (/^[A-Za-z0-9+/=\s]+$/.test(reference))
    return { mediaType: fallbackMediaType, data: { type: 'data', data: reference } };
  throw invalid(`\`${path}\` must be a data URL, an http(s) URL or base64 data`, path);
}

/**
 * The media type an URL's extension suggests, if any.
 *
 * @example
 * ```ts
 * mediaTypeFromUrl('https://example.com/cat.webp?size=2'); // 'image/webp'
 * ```
 */
export function mediaTypeFromUrl(url: string): string | undefined {
  const match = /\.([A-Za-z0-9]+)(?:[?#].*)?$/.exec(url);
  return match ? EXTENSION_TYPES[match[1].toLowerCase()] : undefined;
}
