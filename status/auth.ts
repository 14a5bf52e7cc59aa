/**
 * Access to the page and the API, from two optional tokens:
 *
 * | MESHWATCH_READER_TOKEN | MESHWATCH_OPERATOR_TOKEN | reading                      | incident actions        |
 * |------------------------|--------------------------|------------------------------|-------------------------|
 * | unset                  | unset                    | open to all (redacted)       | off                     |
 * | unset                  | set                      | open to all (redacted)       | operators (signed in)   |
 * | set                    | unset / set              | reader or operator token     | off / operators         |
 *
 * The API takes `Authorization: Bearer <token>`; a wrong token is 401 even
 * where reading is open (a caller with a typo should hear about it). The page
 * takes the token once in a sign-in form and keeps a session cookie
 * (HttpOnly, SameSite=Strict). The session is stateless: a signed value
 * (HMAC-SHA256) holding the role, the operator's name, a CSRF token and the
 * expiry, so every replica accepts it without shared storage. The signing
 * key is derived from the configured tokens: changing a token signs every
 * session out. Tokens are compared in constant time and never logged.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Role } from './redact.js';

export const SESSION_COOKIE = 'mw_session';
const SESSION_MS = 12 * 3_600_000;

export interface AccessConfig {
  readonly readerToken?: string | undefined;
  readonly operatorToken?: string | undefined;
}

export function accessFromEnv(env: NodeJS.ProcessEnv): AccessConfig {
  return {
    ...(env.MESHWATCH_READER_TOKEN ? { readerToken: env.MESHWATCH_READER_TOKEN } : {}),
    ...(env.MESHWATCH_OPERATOR_TOKEN ? { operatorToken: env.MESHWATCH_OPERATOR_TOKEN } : {}),
  };
}

export interface Session {
  readonly role: Role;
  readonly name?: string | undefined;
  readonly csrf: string;
  /** Expiry, ms since epoch. */
  readonly exp: number;
}

/** What a request may do: `role` undefined is an anonymous reader (reading is open). */
export type Access = { readonly ok: true; readonly role?: Role | undefined; readonly session?: Session | undefined } | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never throws and length leaks nothing.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function cookiesOf(req: http.IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}

export class AccessControl {
  private readonly key: Buffer;

  constructor(private readonly config: AccessConfig, private readonly now: () => number = Date.now) {
    this.key = createHash('sha256').update(`meshwatch-session\0${config.readerToken ?? ''}\0${config.operatorToken ?? ''}`).digest();
  }

  /** A token is needed to read. */
  get readRequiresToken(): boolean {
    return this.config.readerToken !== undefined;
  }

  /** Operators exist: page actions can be turned on by signing in. */
  get actionsEnabled(): boolean {
    return this.config.operatorToken !== undefined;
  }

  get canSignIn(): boolean {
    return this.config.readerToken !== undefined || this.config.operatorToken !== undefined;
  }

  roleOfToken(token: string): Role | undefined {
    if (this.config.operatorToken !== undefined && sameSecret(token, this.config.operatorToken)) return 'operator';
    if (this.config.readerToken !== undefined && sameSecret(token, this.config.readerToken)) return 'reader';
    return undefined;
  }

  newSession(role: Role, name?: string): Session {
    return { role, ...(name ? { name } : {}), csrf: randomBytes(18).toString('base64url'), exp: this.now() + SESSION_MS };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  encode(session: Session): string {
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(value: string | undefined): Session | undefined {
    if (!value || !this.canSignIn) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    if (!sameSecret(value.slice(dot + 1), this.sign(payload))) return undefined;
    try {
      const s = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Partial<Session>;
      if ((s.role !== 'reader' && s.role !== 'operator') || typeof s.csrf !== 'string' || typeof s.exp !== 'number' || s.exp < this.now()) return undefined;
      // An operator session outlives nothing: without an operator token it is a reader's.
      const role: Role = s.role === 'operator' && !this.actionsEnabled ? 'reader' : s.role;
      return { role, ...(typeof s.name === 'string' && s.name ? { name: s.name } : {}), csrf: s.csrf, exp: s.exp };
    } catch {
      return undefined;
    }
  }

  /** `Set-Cookie` for a session; `secure` when the request came over HTTPS (a proxy's X-Forwarded-Proto). */
  cookie(session: Session, secure: boolean): string {
    return `${SESSION_COOKIE}=${this.encode(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.round(SESSION_MS / 1000)}${secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  session(req: http.IncomingMessage): Session | undefined {
    return this.decode(cookiesOf(req).get(SESSION_COOKIE));
  }

  /** The page: a valid session, else anonymous where reading is open. */
  page(req: http.IncomingMessage): Access {
    const session = this.session(req);
    if (session) return { ok: true, role: session.role, session };
    return this.readRequiresToken ? { ok: false, reason: 'missing' } : { ok: true };
  }

  /** The API: a Bearer token (wrong: refused), else a page session, else anonymous where reading is open. */
  api(req: http.IncomingMessage): Access {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const role = match ? this.roleOfToken(match[1]!) : undefined;
      return role ? { ok: true, role } : { ok: false, reason: 'invalid' };
    }
    return this.page(req);
  }

  csrfMatches(session: Session, token: string | undefined): boolean {
    return token !== undefined && token.length > 0 && sameSecret(token, session.csrf);
  }
}

export function isHttps(req: http.IncomingMessage): boolean {
  return String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
}
