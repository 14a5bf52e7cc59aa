/**
 * The service's one HTTP server. Routes are added by the parts that serve
 * them (health now; the status page, API, metrics and Slack endpoints later),
 * so this file knows none of them.
 */
import http from 'node:http';
import type { Logger } from '../core/logger.js';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly raw: http.IncomingMessage;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

export type Handler = (req: HttpRequest, res: http.ServerResponse) => Promise<HttpResponse | undefined> | HttpResponse | undefined;

interface Route {
  readonly method: string;
  readonly match: (pathname: string) => boolean;
  readonly handler: Handler;
}

export function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(value)}\n` };
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly server: http.Server;

  constructor(private readonly logger: Logger) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // Keep-alive sockets must not hold shutdown open.
    this.server.keepAliveTimeout = 5_000;
  }

  /** `path` is exact, or a prefix when it ends with `*` (`/slack/*`). */
  route(method: string, path: string, handler: Handler): void {
    const match = path.endsWith('*') ? (p: string) => p.startsWith(path.slice(0, -1)) : (p: string) => p === path;
    this.routes.push({ method: method.toUpperCase(), match, handler });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const route = this.routes.find((r) => (r.method === method || (r.method === 'GET' && method === 'HEAD')) && r.match(url.pathname));
    try {
      if (!route) {
        send(res, json(this.routes.some((r) => r.match(url.pathname)) ? 405 : 404, { error: 'not found' }));
        return;
      }
      const out = await route.handler({ method, url, raw: req }, res);
      if (out) send(res, out);
    } catch (err) {
      this.logger.error({ err, path: url.pathname }, 'HTTP handler failed');
      if (!res.headersSent) send(res, json(500, { error: 'internal error' }));
      else res.end();
    }
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}

function send(res: http.ServerResponse, out: HttpResponse): void {
  res.writeHead(out.status, out.headers);
  res.end(out.body);
}
