/**
 * The OpenAI Responses API routes: `POST /v1/responses` (JSON and named SSE events) for any catalog model,
 * through the router as chat is (routing, failover, billing, cache, events), and `GET` / `DELETE
 * /v1/responses/{id}` over the stored responses of the caller's account. A request with
 * `previous_response_id` continues the stored conversation: its items come before the new input.
 *
 * @module
 */
import { GatewayError } from '../../../core/errors.js';
import type { GenerateResult } from '../../../router/router-types.js';
import { gatewayMetadata } from '../../gateway-metadata.js';
import type { GatewayHttpResponse } from '../../http-types.js';
import { jsonResponse } from '../../responses.js';
import { expectFields } from '../../validate.js';
import type { Route, RouteContext } from '../dialect.js';
import { DialectNotes } from '../dialect-warnings.js';
import { answerGeneration } from '../generation.js';
import { ResponseStore, storeFailure, type ResponsesOptions, type StoredResponse } from './response-store.js';
import { ResponseEventEncoder } from './responses-stream.js';
import {
  outputItems,
  responseIdOf,
  responseObject,
  responseStatus,
  responseUsage,
  type ResponseOutputItem,
} from './responses-output.js';
import { inputMessages, parseResponsesRequest } from './responses-validation.js';

/**
 * The Responses API routes over one response store.
 *
 * @example
 * ```ts
 * const routes = responsesRoutes({ ttlMs: 24 * 60 * 60 * 1000 });
 * routes.map((route) => `${route.method} ${route.path}`); // ['POST /v1/responses', 'GET /v1/responses/*', 'DELETE /v1/responses/*']
 * ```
 */
export function responsesRoutes(options: ResponsesOptions = {}): Route[] {
  const store = new ResponseStore(options);
  return [
    { method: 'POST', path: '/v1/responses', handle: (context) => createResponse(context, store) },
    { method: 'GET', path: '/v1/responses/*', handle: (context) => retrieveResponse(context, store) },
    { method: 'DELETE', path: '/v1/responses/*', handle: (context) => deleteResponse(context, store) },
  ];
}

async function createResponse(context: RouteContext, store: ResponseStore): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const notes = new DialectNotes();
  const parsed = parseResponsesRequest(context, body, notes);
  const account = context.caller.account.id;
  let previousItems: unknown[] = [];
  if (parsed.previousResponseId !== undefined) {
    if (!store.enabled)
      throw new GatewayError(
        'invalid_request',
        '`previous_response_id` cannot be used: this gateway keeps no responses (responses.store is false)',
        { param: 'previous_response_id' },
      );
    const previous = await store.load(account, parsed.previousResponseId).catch((error: unknown) => {
      throw storeFailure(error);
    });
    if (!previous)
      throw new GatewayError('invalid_request', `Previous response with id '${parsed.previousResponseId}' not found.`, {
        param: 'previous_response_id',
      });
    previousItems = previous.items;
  }
  parsed.request.messages = inputMessages([...previousItems, ...parsed.inputItems], previousItems.length);
  const conversation = [...previousItems, ...parsed.inputItems];
  const keep = parsed.store && store.enabled;
  const save = async (response: Record<string, unknown>, output: ResponseOutputItem[]): Promise<void> => {
    if (!keep) return;
    const record: StoredResponse = { response, items: [...conversation, ...output] };
    // A response that could not be kept is still answered; it cannot be continued by id.
    await store.save(account, record).catch(() => undefined);
  };
  let pending: Promise<void> | undefined;
  return answerGeneration(
    context,
    parsed.request,
    parsed.stream,
    (result: GenerateResult) => {
      const { status, incompleteDetails } = responseStatus(result.finishReason);
      const response = responseObject({
        id: responseIdOf(result.generationId),
        createdAt: Math.floor(Date.now() / 1000),
        settings: parsed.settings,
        model: result.model,
        status,
        output: outputItems(result.content, status),
        usage: responseUsage(result.usage),
        incompleteDetails,
      });
      pending = save(response, response.output as ResponseOutputItem[]);
      return {
        ...response,
        provider_metadata: {
          ...result.providerMetadata,
          gateway: gatewayMetadata(context.router, parsed.request.model, result),
        },
      };
    },
    (stream) => new ResponseEventEncoder(responseIdOf(stream.generationId), parsed.settings, save),
    notes,
  ).then(async (response) => {
    // The JSON answer goes out once its response is kept, so that a continuation by id right after finds it.
    await pending;
    return response;
  });
}

function responseId(context: RouteContext): { id: string; rest: string } {
  let path = context.pathRest;
  try {
    path = decodeURIComponent(path);
  } catch {
    /* kept as sent */
  }
  const slash = path.indexOf('/');
  return slash < 0 ? { id: path, rest: '' } : { id: path.slice(0, slash), rest: path.slice(slash + 1) };
}

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', `No response found with id '${id}'.`, { param: 'response_id' });
}

async function retrieveResponse(context: RouteContext, store: ResponseStore): Promise<GatewayHttpResponse> {
  const { id, rest } = responseId(context);
  if (rest !== '' && rest !== 'input_items') throw notFound(`${id}/${rest}`);
  const stored = await store.load(context.caller.account.id, id).catch((error: unknown) => {
    throw storeFailure(error);
  });
  if (!stored) throw notFound(id);
  if (rest === '') return jsonResponse(200, stored.response);
  const output = new Set((stored.response.output as ResponseOutputItem[] | undefined)?.map((item) => item.id));
  const data = stored.items.filter((item) => !output.has((item as { id?: string }).id ?? ''));
  return jsonResponse(200, {
    object: 'list',
    data,
    first_id: (data[0] as { id?: string } | undefined)?.id ?? null,
    last_id: (data.at(-1) as { id?: string } | undefined)?.id ?? null,
    has_more: false,
  });
}

async function deleteResponse(context: RouteContext, store: ResponseStore): Promise<GatewayHttpResponse> {
  const { id, rest } = responseId(context);
  if (rest !== '') throw notFound(`${id}/${rest}`);
  const deleted = await store.remove(context.caller.account.id, id).catch((error: unknown) => {
    throw storeFailure(error);
  });
  if (!deleted) throw notFound(id);
  return jsonResponse(200, { id, object: 'response', deleted: true });
}
