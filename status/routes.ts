/**
 * The on-call surface on the service's HTTP server: the page (`/`,
 * `/products/:id`), sign-in, incident actions, the JSON API (`/api/...`)
 * and `/metrics`. Health routes stay with `meshwatch serve`.
 *
 * Every page answer carries a Content-Security-Policy that allows only the
 * page's own inline style and the one inline script (by its hash), so even a
 * value that escaped escaping could not run script.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { z } from 'zod';
import { UnknownProductError } from '../catalog/catalog.js';
import { impactOf, unknownColumns } from '../catalog/impact.js';
import { parseDuration } from '../config/duration.js';
import { errorMessage, MeshwatchError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Operation } from '../state/incident-engine.js';
import { AccessControl, isHttps, type Access, type Session } from './auth.js';
import { json, type HttpRequest, type HttpResponse, type HttpServer } from './http-server.js';
import { PRODUCT_STATES, type Filters } from './model.js';
import { redactAll } from './model.js';
import type { Role, Viewer } from './redact.js';
import { errorPage, FILTER_SCRIPT, loginPage, overviewPage, productPage, type PageContext } from './render/pages.js';
import { incidentView, loadOverview, loadProduct, loadSummaries, withDeliveryProblems, type StatusSource } from './source.js';
import { ACCOUNTABILITY_WINDOWS, DEFAULT_SINCE, loadAccountability } from './accountability.js';
import { accountabilityPage } from './render/accountability.js';

export interface StatusRoutesOptions {
  /** Undefined until the service has started (answers 503 meanwhile). */
  readonly source: () => StatusSource | undefined;
  readonly access: AccessControl;
  readonly metrics?: Metrics | undefined;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(FILTER_SCRIPT).digest('base64')}'`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

function pageResponse(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...PAGE_HEADERS, ...headers }, body };
}

function redirect(location: string, headers: Record<string, string> = {}): HttpResponse {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' };
}

function apiError(status: number, error: string, extra: Record<string, unknown> = {}): HttpResponse {
  return json(status, { error, ...extra });
}

const stateParam = z.enum(PRODUCT_STATES as [string, ...string[]]);
const productQuery = z.strictObject({ domain: z.string().min(1).optional(), businessUnit: z.string().min(1).optional(), state: stateParam.optional() });
const incidentQuery = z.strictObject({ state: z.enum(['open', 'acknowledged', 'snoozed', 'resolved']).optional() });
const impactQuery = z.strictObject({ columns: z.string().optional() });
const accountabilityQuery = z.strictObject({
  since: z.enum(ACCOUNTABILITY_WINDOWS, { error: () => `since: one of ${ACCOUNTABILITY_WINDOWS.join(', ')}` }).optional(),
});
const INCIDENT_ID = /^inc-\d{1,18}$/;
const OPERATIONS: Readonly<Record<string, Operation>> = { ack: 'ack', snooze: 'snooze', unsnooze: 'unsnooze', resolve: 'resolve' };
/** Outcome messages shown after an action, by code (never free text from the URL). */
const DONE: Readonly<Record<string, string>> = {
  ack: 'Incident acknowledged.',
  snooze: 'Incident snoozed.',
  unsnooze: 'Incident unsnoozed.',
  resolve: 'Incident resolved.',
  state: 'That action is not possible in the incident’s current state (someone may have acted first).',
  missing: 'That incident no longer exists.',
};

function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (v !== '') out[k] = v;
  return out;
}

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown parameter ${i.keys.join(', ')}` : `${i.path.join('.') || 'query'}: ${i.message}`)).join('; ');
}

/** The last path segment(s) after `prefix`, decoded; undefined when malformed. */
function pathRest(pathname: string, prefix: string): string[] | undefined {
  try {
    return pathname.slice(prefix.length).split('/').map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

/** A local path to go back to: never another origin (`//host`, `/\host`, schemes). */
function safeBack(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n]/.test(value)) return '/';
  return value;
}

const MAX_FORM_BYTES = 16 * 1024;

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | 'too large' | 'not a form'> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return 'not a form';
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return 'too large';
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function viewerOf(role: Role | undefined): Viewer {
  return { role: role === 'operator' ? 'operator' : 'reader' };
}

function cleanName(text: string | null | undefined): string | undefined {
  const name = (text ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 80);
  return name || undefined;
}

export function mountStatusRoutes(http: HttpServer, options: StatusRoutesOptions): void {
  const { access } = options;
  const now = options.now ?? (() => new Date());

  const ctxOf = (a: Extract<Access, { ok: true }>, url?: URL): PageContext => {
    const done = url?.searchParams.get('done') ?? undefined;
    const failed = url?.searchParams.get('failed') ?? undefined;
    return {
      now: now(),
      ...(a.role ? { role: a.role } : {}),
      ...(a.session?.name ? { name: a.session.name } : {}),
      ...(a.session ? { csrf: a.session.csrf } : {}),
      canSignIn: access.canSignIn,
      actionsEnabled: access.actionsEnabled,
      ...(done && DONE[done] ? { notice: DONE[done] } : {}),
      ...(failed && DONE[failed] ? { error: DONE[failed] } : {}),
    };
  };

  const starting = () => pageResponse(503, errorPage(503, 'meshwatch is starting (waiting for Redis and the config); this page refreshes itself.'), { refresh: '5' });

  /** Page access: a session, or open reading; else off to sign in. */
  const pageAccess = (req: HttpRequest): Extract<Access, { ok: true }> | HttpResponse => {
    const a = access.page(req.raw);
    if (a.ok) return a;
    return redirect(`/login?next=${encodeURIComponent(req.url.pathname + req.url.search)}`);
  };

  http.route('GET', '/', async (req) => {
    const a = pageAccess(req);
    if (!('ok' in a)) return a;
    const source = options.source();
    if (!source) return starting();
    const q = queryOf(req.url);
    delete q.done;
    delete q.failed;
    const parsed = productQuery.safeParse(q);
    if (!parsed.success) return pageResponse(400, errorPage(400, `bad filter: ${zodMessage(parsed.error)}`, ctxOf(a)));
    const model = await loadOverview(source, viewerOf(a.role), parsed.data as Filters, now());
    return pageResponse(200, overviewPage(model, ctxOf(a, req.url)));
  });

  http.route('GET', '/products/*', async (req) => {
    const a = pageAccess(req);
    if (!('ok' in a)) return a;
    const source = options.source();
    if (!source) return starting();
    const rest = pathRest(req.url.pathname, '/products/');
    if (!rest || rest.length !== 1 || !rest[0]) return pageResponse(400, errorPage(400, 'bad product path', ctxOf(a)));
    const detail = await loadProduct(source, viewerOf(a.role), rest[0], 200, now());
    if (!detail) return pageResponse(404, errorPage(404, `unknown product "${rest[0]}"`, ctxOf(a)));
    return pageResponse(200, productPage(detail, ctxOf(a, req.url)));
  });

  http.route('GET', '/accountability', async (req) => {
    const a = pageAccess(req);
    if (!('ok' in a)) return a;
    const q = queryOf(req.url);
    delete q.done;
    delete q.failed;
    const parsed = accountabilityQuery.safeParse(q);
    if (!parsed.success) return pageResponse(400, errorPage(400, `bad window: ${zodMessage(parsed.error)}`, ctxOf(a)));
    const source = options.source();
    if (!source) return starting();
    const since = parsed.data.since ?? DEFAULT_SINCE;
    const catalog = source.catalog();
    const model = await loadAccountability(source, viewerOf(a.role), since, now());
    const tierOf = (id: string) => {
      const p = catalog.products.get(id);
      return p ? { tier: p.tier, ...(p.tierJustification !== undefined ? { justification: p.tierJustification } : {}) } : undefined;
    };
    return pageResponse(200, accountabilityPage({ model, since, tierOf }, ctxOf(a, req.url)));
  });

  http.route('GET', '/login', (req) => {
    if (!access.canSignIn) return pageResponse(404, errorPage(404, 'No tokens are configured: the page is open to read and incident actions are off.'));
    return pageResponse(200, loginPage({ next: safeBack(req.url.searchParams.get('next') ?? undefined), askName: access.actionsEnabled }));
  });

  http.route('POST', '/login', async (req) => {
    if (!access.canSignIn) return pageResponse(404, errorPage(404, 'No tokens are configured.'));
    const form = await readForm(req.raw);
    if (typeof form === 'string') return pageResponse(form === 'too large' ? 413 : 415, errorPage(400, `sign-in: ${form}`));
    const next = safeBack(form.get('next') ?? undefined);
    const role = access.roleOfToken(form.get('token') ?? '');
    if (!role) {
      options.logger.info({ path: '/login' }, 'sign-in refused: wrong token');
      return pageResponse(401, loginPage({ next, error: 'That token is not valid.', askName: access.actionsEnabled }));
    }
    const session = access.newSession(role, role === 'operator' ? cleanName(form.get('by')) : undefined);
    return redirect(next, { 'set-cookie': access.cookie(session, isHttps(req.raw)) });
  });

  http.route('POST', '/logout', () => redirect('/', { 'set-cookie': access.clearCookie() }));

  http.route('POST', '/incidents/*', async (req) => {
    const rest = pathRest(req.url.pathname, '/incidents/');
    const [id, op] = rest ?? [];
    const operation = op ? OPERATIONS[op] : undefined;
    if (!rest || rest.length !== 2 || !id || !INCIDENT_ID.test(id) || !operation) return pageResponse(404, errorPage(404, 'no such action'));
    if (!access.actionsEnabled) return pageResponse(403, errorPage(403, 'Incident actions are off: MESHWATCH_OPERATOR_TOKEN is not set.'));
    const session: Session | undefined = access.session(req.raw);
    if (!session || session.role !== 'operator') return pageResponse(403, errorPage(403, 'Only a signed-in operator can act on incidents. Sign in with the operator token.'));
    const form = await readForm(req.raw);
    if (typeof form === 'string') return pageResponse(form === 'too large' ? 413 : 415, errorPage(400, `action: ${form}`));
    if (!access.csrfMatches(session, form.get('csrf') ?? undefined)) {
      options.logger.warn({ incident: id, operation }, 'incident action refused: CSRF token missing or wrong');
      return pageResponse(403, errorPage(403, 'This form has expired or did not come from this page (CSRF token missing or wrong). Reload the page and try again.'));
    }
    const by = session.name ?? cleanName(form.get('by'));
    if (!by) return pageResponse(400, errorPage(400, 'Say who you are: the action needs your name (it is shown as "acknowledged by").'));
    let until: Date | undefined;
    if (operation === 'snooze') {
      const ms = parseDuration(form.get('until') ?? '');
      if (!ms || ms > 30 * 86_400_000) return pageResponse(400, errorPage(400, 'snooze needs a duration up to 30 days, like 4h'));
      until = new Date(now().getTime() + ms);
    }
    const source = options.source();
    if (!source) return starting();
    const back = safeBack(form.get('back') ?? undefined);
    const withCode = (key: string, code: string) => `${back}${back.includes('?') ? '&' : '?'}${key}=${code}`;
    const headers: Record<string, string> = session.name ? {} : { 'set-cookie': access.cookie({ ...session, name: by }, isHttps(req.raw)) };
    try {
      await source.operate(id, operation, by, now(), until);
    } catch (err) {
      if (err instanceof MeshwatchError && (err.code === 'INCIDENT_STATE' || err.code === 'INCIDENT_NOT_FOUND')) {
        return redirect(withCode('failed', err.code === 'INCIDENT_STATE' ? 'state' : 'missing'), headers);
      }
      throw err;
    }
    options.logger.info({ incident: id, operation, by }, 'incident action from the status page');
    return redirect(withCode('done', op!), headers);
  });

  // ---- JSON API ----

  const apiAccess = (req: HttpRequest): Extract<Access, { ok: true }> | HttpResponse => {
    const a = access.api(req.raw);
    if (a.ok) return a;
    return { ...apiError(401, a.reason === 'invalid' ? 'invalid token' : 'token required: send Authorization: Bearer <token>'), headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } };
  };
  const apiSource = () => options.source();
  const notStarted = () => apiError(503, 'starting: waiting for Redis and the config');

  http.route('GET', '/api/products', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const parsed = productQuery.safeParse(queryOf(req.url));
    if (!parsed.success) return apiError(400, zodMessage(parsed.error));
    const source = apiSource();
    if (!source) return notStarted();
    const catalog = source.catalog();
    const { domain, businessUnit } = parsed.data;
    if (domain && !catalog.domains.has(domain)) return apiError(400, `unknown domain "${domain}"`, { domains: [...catalog.domains.keys()].sort() });
    if (businessUnit && ![...catalog.domains.values()].some((d) => d.businessUnit === businessUnit)) return apiError(400, `unknown business unit "${businessUnit}"`);
    const { all } = await loadSummaries(source, viewerOf(a.role));
    const filters = parsed.data as Filters;
    const products = all.filter((s) => (!filters.domain || s.domain === filters.domain) && (!filters.businessUnit || s.businessUnit === filters.businessUnit) && (!filters.state || s.state === filters.state));
    return json(200, { products });
  });

  http.route('GET', '/api/products/*', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const rest = pathRest(req.url.pathname, '/api/products/');
    if (!rest || rest.length !== 1 || !rest[0]) return apiError(400, 'bad product path: /api/products/<id>');
    const parsed = z.strictObject({ history: z.coerce.number().int().min(0).max(1000).optional() }).safeParse(queryOf(req.url));
    if (!parsed.success) return apiError(400, zodMessage(parsed.error));
    const source = apiSource();
    if (!source) return notStarted();
    const detail = await loadProduct(source, viewerOf(a.role), rest[0], parsed.data.history ?? 50, now());
    if (!detail) {
      const err = new UnknownProductError(rest[0], source.catalog().products.keys());
      return apiError(404, err.message, { code: err.code, suggestions: err.suggestions });
    }
    const { summary, lineage: _lineage, ...more } = detail;
    return json(200, { product: { ...summary, ...more } });
  });

  http.route('GET', '/api/incidents', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const parsed = incidentQuery.safeParse(queryOf(req.url));
    if (!parsed.success) return apiError(400, zodMessage(parsed.error));
    const source = apiSource();
    if (!source) return notStarted();
    const catalog = source.catalog();
    const records = parsed.data.state === 'resolved' || parsed.data.state === undefined ? await source.engine.list(now().getTime()) : await source.engine.listOpen();
    const incidents = records.filter((r) => !parsed.data.state || r.state === parsed.data.state).map((r) => incidentView(catalog, r));
    return json(200, { incidents });
  });

  http.route('GET', '/api/incidents/*', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const rest = pathRest(req.url.pathname, '/api/incidents/');
    if (!rest || rest.length !== 1 || !rest[0] || !INCIDENT_ID.test(rest[0])) return apiError(400, 'bad incident id: expected inc-<number>');
    if (Object.keys(queryOf(req.url)).length > 0) return apiError(400, `unknown parameter ${Object.keys(queryOf(req.url)).join(', ')}`);
    const source = apiSource();
    if (!source) return notStarted();
    const record = await source.engine.get(rest[0]);
    if (!record) return apiError(404, `no incident ${rest[0]}`, { code: 'INCIDENT_NOT_FOUND' });
    const catalog = source.catalog();
    const latest = redactAll(catalog, await source.results.latest(record.product), viewerOf(a.role)).filter((r) => record.checks.includes(r.check));
    return json(200, { incident: await withDeliveryProblems(source, incidentView(catalog, record)), results: latest });
  });

  http.route('GET', '/api/accountability', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const parsed = accountabilityQuery.safeParse(queryOf(req.url));
    if (!parsed.success) return apiError(400, zodMessage(parsed.error));
    const source = apiSource();
    if (!source) return notStarted();
    const since = parsed.data.since ?? DEFAULT_SINCE;
    const model = await loadAccountability(source, viewerOf(a.role), since, now());
    if (!model) return apiError(503, 'no incident history in this process');
    return json(200, { since, ...model.figures, trend: model.trend, previous: model.previous });
  });

  http.route('GET', '/api/impact/*', async (req) => {
    const a = apiAccess(req);
    if (!('ok' in a)) return a;
    const rest = pathRest(req.url.pathname, '/api/impact/');
    if (!rest || rest.length !== 1 || !rest[0]) return apiError(400, 'bad product path: /api/impact/<id>');
    const parsed = impactQuery.safeParse(queryOf(req.url));
    if (!parsed.success) return apiError(400, zodMessage(parsed.error));
    const source = apiSource();
    if (!source) return notStarted();
    const catalog = source.catalog();
    const id = rest[0];
    if (!catalog.products.has(id)) {
      const err = new UnknownProductError(id, catalog.products.keys());
      return apiError(404, err.message, { code: err.code, suggestions: err.suggestions });
    }
    const raw = req.url.searchParams.get('columns');
    const columns = raw === null ? undefined : raw.split(',').map((c) => c.trim()).filter(Boolean);
    if (raw !== null && columns!.length === 0) return apiError(400, 'columns: needs at least one column name');
    if (columns) {
      const unknown = unknownColumns(catalog, id, columns);
      if (unknown && unknown.length > 0) {
        return apiError(400, unknown.map((u) => `${id} declares no column "${u.column}"`).join('; '), { unknownColumns: unknown });
      }
    }
    // The shape of `meshwatch impact --format json`: the impact object, `product` included.
    return json(200, impactOf(catalog, id, columns));
  });

  if (options.metrics) {
    const metrics = options.metrics;
    http.route('GET', '/metrics', async () => {
      try {
        return { status: 200, headers: { 'content-type': metrics.contentType() }, body: await metrics.render() };
      } catch (err) {
        options.logger.warn({ error: errorMessage(err) }, 'metrics scrape failed');
        return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `metrics unavailable: ${errorMessage(err)}\n` };
      }
    });
  }
}
