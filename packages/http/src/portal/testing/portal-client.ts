import { totpCodeAt } from '../portal-credentials.js';

export interface PortalAnswer {
  status: number;
  text: string;
  /** The body as received, for downloads (a document, the record's ZIP). */
  bytes: Uint8Array;
  contentType: string | null;
  location: string | null;
}

/**
 * A browser without a browser, for the portal's HTTP tests: keeps cookies, does not follow
 * redirects, and repeats the form token (the `dui_portal_csrf` cookie) in each form it posts.
 */
export class PortalClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  async get(path: string): Promise<PortalAnswer> {
    return this.send('GET', path);
  }

  /** `csrf` is added from the cookie unless given. */
  async post(path: string, fields: Record<string, string>): Promise<PortalAnswer> {
    const csrf = this.cookies.get('dui_portal_csrf') ?? '';
    return this.send('POST', path, new URLSearchParams({ csrf, ...fields }).toString());
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Follows an invitation to the end: a password, then the one-time code; answers the TOTP secret. */
  async activate(invitationPath: string, password: string, now: () => Date): Promise<string> {
    const invitation = await this.get(invitationPath);
    if (invitation.status !== 200) throw new Error(`invitation page: ${invitation.status}`);
    const [path, query] = invitationPath.split('?') as [string, string];
    const token = new URLSearchParams(query).get('jeton') ?? '';
    const set = await this.post(path, { jeton: token, motDePasse: password, confirmation: password });
    if (set.status !== 303 || set.location === null) throw new Error(`password: ${set.status} ${set.text}`);
    const codePage = await this.get(set.location);
    const secret = /name="cle" value="([A-Z2-7]+)"/.exec(codePage.text)?.[1];
    if (secret === undefined) throw new Error(`no secret on the code page: ${codePage.text}`);
    const enrolled = await this.post(`${path}/code`, { jeton: token, cle: secret, code: totpCodeAt(secret, now()) });
    if (enrolled.status !== 303) throw new Error(`enrolment: ${enrolled.status} ${enrolled.text}`);
    return secret;
  }

  async login(login: string, password: string, code: string): Promise<PortalAnswer> {
    await this.get('/portail/connexion');
    return this.post('/portail/connexion', { identifiant: login, motDePasse: password, code });
  }

  private async send(method: string, path: string, body?: string): Promise<PortalAnswer> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';') as [string];
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      text: new TextDecoder().decode(bytes),
      bytes,
      contentType: response.headers.get('content-type'),
      location: response.headers.get('location'),
    };
  }
}
