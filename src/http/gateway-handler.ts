/**
 * The public gateway handler: the bridge-free {@link HttpHandler} with the Node and Web bridges'
 * entry points as methods. The bridges import the handler; the handler imports no bridge; this file
 * puts them together.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpHandler } from './handler.js';
import type { GatewayHandlerConfig } from './http-types.js';
import { handleNodeRequest, type NodeBridgeOptions } from './node-bridge.js';
import { answerWebRequest, handleWebRequest } from './web-bridge.js';

/**
 * The gateway handler. Build it with {@link createGatewayHandler}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const handler = createGatewayHandler({ router });
 * createServer((request, response) => {
 *   if (!handler.handleNode(request, response)) response.writeHead(404).end();
 * }).listen(8080);
 * ```
 */
export class GatewayHandler extends HttpHandler {
  /**
   * Serves a Node request (node:http, Express, Koa, Next Pages). Returns false, without touching the
   * response, when the path is not served: call the next middleware.
   *
   * @example
   * ```ts
   * app.use((request, response, next) => { if (!handler.handleNode(request, response)) next(); });
   * ```
   */
  handleNode(request: IncomingMessage, response: ServerResponse, options?: NodeBridgeOptions): boolean {
    return handleNodeRequest(this, request, response, options);
  }

  /**
   * Serves a Web-standard request (Next App Router, any fetch-style runtime); resolves to undefined
   * when the path is not served.
   *
   * @example
   * ```ts
   * export async function POST(request: Request) { return (await handler.handleWeb(request)) ?? new Response('Not found', { status: 404 }); }
   * ```
   */
  handleWeb(request: Request): Promise<Response | undefined> {
    return handleWebRequest(this, request);
  }

  /**
   * Serves a Web-standard request, answering 404 for paths the handler does not serve.
   *
   * @example
   * ```ts
   * export const GET = (request: Request) => handler.answerWeb(request);
   * ```
   */
  answerWeb(request: Request): Promise<Response> {
    return answerWebRequest(this, request);
  }
}

/**
 * Creates the gateway handler.
 *
 * @example
 * ```ts
 * const handler = createGatewayHandler({
 *   router: { providers: { openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY } } },
 *   apiKeys: [{ key: process.env.GATEWAY_KEY!, id: 'key_1', account: 'team_acme' }],
 * });
 * ```
 */
export function createGatewayHandler(config: GatewayHandlerConfig): GatewayHandler {
  return new GatewayHandler(config);
}
