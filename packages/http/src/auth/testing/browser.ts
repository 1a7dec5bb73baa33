import { parseSetCookie } from 'cookie';

/**
 * A user agent for tests: follows nothing on its own, keeps cookies per host name (ports share them, as
 * in browsers) and ignores cookie paths, which only makes it send more than a browser would.
 */
export class TestBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  async request(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = this.cookiesFor(target);
    if (cookies.size > 0) {
      headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.#keep(target, response);
    return response;
  }

  /**
   * Follows redirects while `follow` says so. Answers the first response it does not follow, the URL that
   * gave it, and where that response redirects to, if anywhere.
   */
  async navigate(
    url: URL | string,
    follow: (next: URL) => boolean,
  ): Promise<{ response: Response; url: URL; next?: URL }> {
    let current = new URL(url);
    for (let hops = 0; hops < 20; hops += 1) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return { response, url: current };
      const next = new URL(location, current);
      if (!follow(next)) return { response, url: current, next };
      await response.body?.cancel();
      current = next;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  cookiesFor(url: URL): Map<string, string> {
    return this.#jar.get(url.hostname) ?? new Map();
  }

  #keep(url: URL, response: Response): void {
    const cookies = this.#jar.get(url.hostname) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      const value = cookie.value ?? '';
      const expired =
        value === '' ||
        (cookie.maxAge !== undefined && cookie.maxAge <= 0) ||
        (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired) cookies.delete(cookie.name);
      else cookies.set(cookie.name, value);
    }
    this.#jar.set(url.hostname, cookies);
  }
}
