/**
 * `POST /v2/rerank` (and `/v1/rerank`), Cohere's rerank endpoint, which LangChain's and LlamaIndex's Cohere
 * rerankers call, for any reranking model of the catalog. A bare Cohere model id (`rerank-v3.5`) names the
 * catalog's `cohere/rerank-v3.5`.
 *
 * @module
 */
import { resolveBareModelId } from '../../../catalog/model-directory.js';
import type { JsonObject } from '../../../core/types.js';
import type { RerankResult } from '../../../router/router-types.js';
import type { GatewayHttpResponse } from '../../http-types.js';
import { mergeProviderOptions, routingFromHeaders } from '../../routing-options.js';
import {
  expectArray,
  expectFields,
  invalid,
  isFields,
  optionalNumber,
  optionalString,
  requiredString,
} from '../../validate.js';
import type { Route, RouteContext } from '../dialect.js';
import { answerRerank } from '../generation.js';

/**
 * The Cohere-compatible rerank routes: documents as strings (v2), or `{ text }` objects (v1).
 *
 * @example
 * ```ts
 * rerankRoutes.map((route) => route.path); // ['/v2/rerank', '/v1/rerank']
 * ```
 */
export const rerankRoutes: Route[] = ['/v2/rerank', '/v1/rerank'].map((path) => ({
  method: 'POST' as const,
  path,
  handle: (context: RouteContext) => rerank(context),
}));

async function rerank(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'a reranking model id such as "cohere/rerank-v3.5"'),
    'cohere',
  );
  const query = requiredString(body, 'query', 'query', 'the search query');
  const documents = expectArray(body.documents, 'documents').map((document, index): string | JsonObject => {
    if (typeof document === 'string') return document;
    if (isFields(document) && typeof document.text === 'string') return document.text;
    if (isFields(document)) return document as JsonObject;
    throw invalid(`\`documents[${index}]\` must be a string or an object`, `documents[${index}]`);
  });
  if (documents.length === 0) throw invalid('`documents` must not be empty', 'documents');
  const topN = optionalNumber(body, 'top_n', { integer: true, min: 1 });
  const maxTokens = optionalNumber(body, 'max_tokens_per_doc', { integer: true, min: 1 });
  const options = mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions');
  const providerOptions =
    maxTokens !== undefined ? { ...options, cohere: { maxTokensPerDoc: maxTokens, ...options?.cohere } } : options;
  const returnDocuments = body.return_documents === true;
  return answerRerank(
    context,
    {
      model,
      query,
      documents,
      ...(topN !== undefined ? { topN } : {}),
      ...(providerOptions ? { providerOptions } : {}),
      user: optionalString(body, 'user'),
    },
    (result: RerankResult) => ({
      id: result.generationId,
      results: result.ranking.map((entry) => ({
        index: entry.index,
        relevance_score: entry.relevanceScore,
        ...(returnDocuments ? { document: { text: textOf(documents[entry.index]) } } : {}),
      })),
      meta: { api_version: { version: '2' }, billed_units: { search_units: result.usage.searchUnits } },
    }),
  );
}

function textOf(document: string | JsonObject | undefined): string {
  return typeof document === 'string' ? document : JSON.stringify(document ?? '');
}
