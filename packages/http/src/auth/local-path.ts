const BASE = 'http://local.invalid';

/**
 * `returnTo` as a path of this server, or `undefined`: an absolute or protocol-relative URL, a backslash
 * trick or a control character would turn the redirect after login into an open redirect.
 */
export function localPath(returnTo: unknown): string | undefined {
  if (typeof returnTo !== 'string' || !returnTo.startsWith('/') || returnTo.length > 2048) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(returnTo)) return undefined;
  let url: URL;
  try {
    url = new URL(returnTo, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  return url.pathname + url.search + url.hash;
}
