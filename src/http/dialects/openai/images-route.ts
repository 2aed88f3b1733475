/**
 * `POST /v1/images/generations`, OpenAI's image generation endpoint, for any image model of the catalog
 * (gpt-image-1, DALL·E, Imagen, Nova Canvas, grok-2-image...).
 *
 * @module
 */
import type { ImageResult } from '../../../router/router-types.js';
import { resolveBareModelId } from '../../../catalog/model-directory.js';
import type { GatewayHttpResponse } from '../../http-types.js';
import { mergeProviderOptions, routingFromHeaders } from '../../routing-options.js';
import { expectFields, invalid, optionalEnum, optionalNumber, optionalString, requiredString } from '../../validate.js';
import type { Route, RouteContext } from '../dialect.js';
import { answerImage } from '../generation.js';

/** Fields of OpenAI's request that are OpenAI's own settings: they go to `providerOptions.openai`. */
const OPENAI_IMAGE_FIELDS = ['quality', 'style', 'background', 'output_format', 'output_compression', 'moderation'];

/**
 * The OpenAI images route. `response_format: 'url'` is answered with a `data:` URL (the gateway keeps no
 * images to link to); without `response_format` the answer is `b64_json`, as gpt-image models answer.
 *
 * @example
 * ```ts
 * const route = openAIImagesRoute; // { method: 'POST', path: '/v1/images/generations', handle }
 * ```
 */
export const openAIImagesRoute: Route = {
  method: 'POST',
  path: '/v1/images/generations',
  handle: imagesGenerations,
};

async function imagesGenerations(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  if (body.stream === true) throw invalid('Streamed image generation is not supported by this gateway', 'stream');
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'an image model id such as "openai/gpt-image-1"'),
    'openai',
  );
  const prompt = requiredString(body, 'prompt', 'prompt', 'the text of the image to make');
  const n = optionalNumber(body, 'n', { integer: true, min: 1, max: 10 });
  const size = optionalString(body, 'size');
  if (size !== undefined && size !== 'auto' && !/^\d+x\d+$/.test(size))
    throw invalid('`size` must look like "1024x1024" (or "auto")', 'size');
  const format = optionalEnum(body, 'response_format', ['url', 'b64_json'] as const);
  const openai: Record<string, unknown> = {};
  for (const field of OPENAI_IMAGE_FIELDS)
    if (body[field] !== undefined && body[field] !== null) openai[field] = body[field];
  const options = mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions');
  const providerOptions =
    Object.keys(openai).length > 0 ? { ...options, openai: { ...openai, ...options?.openai } } : options;
  return answerImage(
    context,
    {
      model,
      prompt,
      ...(n !== undefined ? { n } : {}),
      ...(size !== undefined && size !== 'auto' ? { size: size as `${number}x${number}` } : {}),
      ...(providerOptions ? { providerOptions } : {}),
      user: optionalString(body, 'user'),
    },
    (result: ImageResult) => ({
      created: Math.floor(Date.now() / 1000),
      data: result.images.map((image) =>
        format === 'url' ? { url: `data:${image.mediaType};base64,${image.base64}` } : { b64_json: image.base64 },
      ),
      usage: {
        input_tokens: result.usage.inputTokens,
        input_tokens_details: { text_tokens: result.usage.inputTokens, image_tokens: 0 },
        output_tokens: result.usage.outputTokens,
        total_tokens: result.usage.totalTokens,
      },
    }),
  );
}
