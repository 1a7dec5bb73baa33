/**
 * The portal's HTML: server-rendered French pages, no script. Semantic landmarks (header, nav,
 * main), a skip link, labels on every field, errors tied to their form with `role="alert"`, and
 * one stylesheet (the Content-Security-Policy allows no inline style): dark text on white, focus
 * rings visible, one column on a phone.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Interpolates escaped values; `Html` parts are inserted as they are. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(text);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

export interface NavItem {
  href: string;
  label: string;
}

export function page(options: {
  title: string;
  body: Html;
  nav?: readonly NavItem[];
  current?: string;
  csrf?: string;
  signedInAs?: string;
}): string {
  const nav =
    options.nav === undefined
      ? html``
      : html`<nav aria-label="Portail">
      <ul>
        ${options.nav.map(
          (item) =>
            html`<li><a href="${item.href}"${item.href === options.current ? new Html(' aria-current="page"') : ''}>${item.label}</a></li>`,
        )}
      </ul>
    </nav>`;
  const logout =
    options.signedInAs === undefined || options.csrf === undefined
      ? html``
      : html`<form method="post" action="/portail/deconnexion" class="logout">
        <p>Connecté·e : <strong>${options.signedInAs}</strong></p>
        <input type="hidden" name="csrf" value="${options.csrf}">
        <button type="submit">Se déconnecter</button>
      </form>`;
  return `<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>${escapeHtml(options.title)} – Mon dossier</title>
  <link rel="stylesheet" href="/portail/portail.css">
</head>
<body>
<a class="skip" href="#contenu">Aller au contenu</a>
<header>
  <p class="brand">Mon dossier d’accompagnement</p>
  ${logout}
  ${nav}
</header>
<main id="contenu" tabindex="-1">
  <h1>${escapeHtml(options.title)}</h1>
${options.body.text}
</main>
</body>
</html>
`;
}

export function alert(messages: readonly string[]): Html {
  if (messages.length === 0) return html``;
  return html`<div class="alert" role="alert" id="erreurs">
    <p>Veuillez corriger :</p>
    <ul>${messages.map((message) => html`<li>${message}</li>`)}</ul>
  </div>`;
}

export function notice(message: string): Html {
  return html`<p class="notice" role="status">${message}</p>`;
}

const parisDateTime = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  dateStyle: 'long',
  timeStyle: 'short',
});
const parisDate = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' });

export function dateTime(instant: string): string {
  return parisDateTime.format(new Date(instant));
}

export function date(dayOrInstant: string): string {
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(dayOrInstant) ? `${dayOrInstant}T12:00:00Z` : dayOrInstant;
  return parisDate.format(new Date(instant));
}

export const PORTAL_STYLESHEET = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 112.5%; line-height: 1.5; color: #1b1b1b; background: #fff; }
body { margin: 0; }
a { color: #0b4ea2; text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #c45000; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 1; }
header { background: #0b3d6e; color: #fff; padding: .75rem 1rem; }
header a { color: #fff; }
.brand { margin: 0 0 .5rem; font-weight: 700; font-size: 1.1rem; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
nav a { display: inline-block; padding: .35rem .25rem; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.logout { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; margin-bottom: .5rem; }
.logout p { margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; color: #0b3d6e; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
.hint { display: block; font-weight: 400; color: #4a4a4a; font-size: .9rem; }
input[type="text"], input[type="password"], input[type="email"], textarea {
  width: 100%; max-width: 30rem; font: inherit; padding: .5rem; border: 2px solid #595959; border-radius: 4px; background: #fff; color: #1b1b1b; }
textarea { min-height: 6rem; }
fieldset { border: 2px solid #d0d0d0; border-radius: 4px; margin: 1rem 0; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
fieldset label { display: inline; font-weight: 400; margin: 0 1rem 0 .25rem; }
button { font: inherit; font-weight: 600; margin-top: 1rem; padding: .6rem 1.2rem; border: 2px solid #0b3d6e; border-radius: 4px; background: #0b3d6e; color: #fff; cursor: pointer; }
main form > button { display: block; }
header button { margin: 0; padding: .3rem .8rem; background: #fff; color: #0b3d6e; border-color: #fff; }
.alert { border-left: 6px solid #b3261e; background: #fdecea; padding: .5rem 1rem; margin: 1rem 0; }
.alert p { margin: .25rem 0; font-weight: 600; }
.notice { border-left: 6px solid #1e6b35; background: #e8f4ec; padding: .5rem 1rem; }
.secret { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.2rem; letter-spacing: .1em; word-break: break-all; background: #f3f3f3; padding: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid #d0d0d0; }
th { background: #f3f3f3; }
dl { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.cards { list-style: none; padding: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); }
.cards a { display: block; padding: 1rem; border: 2px solid #0b4ea2; border-radius: 6px; font-weight: 600; text-decoration: none; }
.cards a:hover, .cards a:focus-visible { background: #eef4fb; }
.cards span { display: block; font-weight: 400; color: #333; margin-top: .25rem; }
@media (max-width: 40rem) {
  html { font-size: 100%; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; left: -999px; }
  caption { display: block; width: 100%; }
  tr { border: 1px solid #d0d0d0; border-radius: 4px; margin-bottom: .5rem; padding: .25rem; }
  td { border: 0; padding: .15rem .5rem; }
  td[data-label]::before { content: attr(data-label) " : "; font-weight: 600; }
  dl { grid-template-columns: 1fr; }
  dd { margin-bottom: .5rem; }
}
`;
