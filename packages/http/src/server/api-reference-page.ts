import type { JsonSchema, OpenApiDocument, OpenApiOperation, OpenApiResponse } from './openapi.js';
import { PROBLEM_KINDS, problemStatus, problemTitle, problemType } from './problem-details.js';

/**
 * The API reference as one server-rendered page, built from the OpenAPI document: no script, no
 * CDN, nothing fetched, so that it works on a care site's closed network and under a strict CSP.
 */
export const API_REFERENCE_STYLESHEET_PATH = '/docs/styles.css';

export function renderApiReference(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} : référence de l’API</title>
<link rel="stylesheet" href="${API_REFERENCE_STYLESHEET_PATH}">
</head>
<body>
<header>
<h1>${escapeHtml(document.info.title)} : référence de l’API</h1>
<p>Version ${escapeHtml(document.info.version)}. ${escapeHtml(document.info.description ?? '')}</p>
<p>Document OpenAPI 3.1 : <a href="/openapi.json">/openapi.json</a>.</p>
</header>
<nav aria-labelledby="sommaire">
<h2 id="sommaire">Opérations</h2>
<ul>
${operations
  .map(
    ({ path, method, operation }) =>
      `<li><a href="#${escapeHtml(operation.operationId)}"><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></a> : ${escapeHtml(operation.summary)}</li>`,
  )
  .join('\n')}
</ul>
</nav>
<main>
<section aria-labelledby="conventions">
<h2 id="conventions">Conventions</h2>
<ul>
<li>Les <strong>commandes</strong> (POST) exigent l’en-tête <code>Idempotency-Key</code> : une valeur unique par commande. Un nouvel essai avec la même clé et le même corps renvoie la réponse déjà donnée (en-tête <code>Idempotency-Replayed: true</code>) ; la même clé avec un autre corps est refusée (422).</li>
<li>Les <strong>requêtes</strong> (GET) renvoient la révision de la ressource dans l’en-tête <code>ETag</code>. Renvoyée dans <code>If-Match</code>, elle fait refuser une commande (412) si la ressource a changé entre-temps.</li>
<li>Chaque erreur est un document <code>application/problem+json</code> (RFC 9457) dont le champ <code>type</code> désigne le genre de problème, et qui porte l’identifiant de corrélation de la requête (en-tête <code>X-Correlation-Id</code>).</li>
</ul>
</section>
${operations.map(({ path, method, operation }) => renderOperation(path, method, operation)).join('\n')}
<section aria-labelledby="problemes">
<h2 id="problemes">Genres de problèmes</h2>
<table>
<thead><tr><th scope="col">Statut</th><th scope="col">Type</th><th scope="col">Titre</th></tr></thead>
<tbody>
${PROBLEM_KINDS.map(
  (kind) =>
    `<tr id="probleme-${escapeHtml(kind)}"><td>${problemStatus(kind)}</td><td><code>${escapeHtml(problemType(kind))}</code></td><td>${escapeHtml(problemTitle(kind))}</td></tr>`,
).join('\n')}
</tbody>
</table>
</section>
<section aria-labelledby="schemas">
<h2 id="schemas">Schémas</h2>
${Object.entries(document.components.schemas)
  .map(
    ([name, schema]) =>
      `<section id="schema-${escapeHtml(name)}"><h3><code>${escapeHtml(name)}</code></h3>${renderSchema(schema)}</section>`,
  )
  .join('\n')}
</section>
</main>
</body>
</html>
`;
}

function renderOperation(path: string, method: string, operation: OpenApiOperation): string {
  const id = escapeHtml(operation.operationId);
  const body = (operation.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content;
  return `<section class="operation" aria-labelledby="${id}">
<h2 id="${id}"><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(operation.summary)}</p>
${operation.description === undefined ? '' : `<p>${escapeHtml(operation.description)}</p>`}
<h3>Paramètres</h3>
${renderParameters(operation.parameters)}
${
  body === undefined
    ? ''
    : `<h3>Corps de la requête</h3>\n${Object.entries(body)
        .map(([type, { schema }]) => `<p><code>${escapeHtml(type)}</code></p>${renderSchema(schema)}`)
        .join('\n')}`
}
<h3>Réponses</h3>
${renderResponses(operation.responses)}
</section>`;
}

interface ParameterView {
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  $ref?: string;
}

const LOCATION: Record<string, string> = { path: 'chemin', query: 'requête', header: 'en-tête' };

function renderParameters(parameters: readonly unknown[]): string {
  const rows = parameters.map((parameter) => {
    const view = parameter as ParameterView;
    if (view.$ref !== undefined) {
      const name = view.$ref.split('/').pop() ?? '';
      return `<tr><td colspan="4"><code>${escapeHtml(name)}</code> (paramètre commun, voir /openapi.json)</td></tr>`;
    }
    return `<tr><td><code>${escapeHtml(view.name ?? '')}</code></td><td>${escapeHtml(LOCATION[view.in ?? ''] ?? view.in ?? '')}</td><td>${view.required ? 'oui' : 'non'}</td><td>${escapeHtml(view.description ?? '')}${view.schema === undefined ? '' : renderSchema(view.schema)}</td></tr>`;
  });
  return `<table>
<thead><tr><th scope="col">Nom</th><th scope="col">Emplacement</th><th scope="col">Obligatoire</th><th scope="col">Description et schéma</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function renderResponses(responses: Record<string, OpenApiResponse>): string {
  const rows = Object.entries(responses).map(([status, response]) => {
    const content = Object.entries(response.content ?? {})
      .map(([type, { schema }]) => `<p><code>${escapeHtml(type)}</code></p>${renderSchema(schema)}`)
      .join('');
    return `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(response.description)}${content}</td></tr>`;
  });
  return `<table>
<thead><tr><th scope="col">Statut</th><th scope="col">Description</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function renderSchema(schema: JsonSchema): string {
  return `<pre><code>${linkRefs(escapeHtml(JSON.stringify(schema, null, 2)))}</code></pre>`;
}

/** Turns `"$ref": "#/components/schemas/X"` into a link to the schema's section below. */
function linkRefs(escapedJson: string): string {
  return escapedJson.replace(
    /&quot;#\/components\/schemas\/([^&]+)&quot;/g,
    (_match, name: string) => `<a href="#schema-${name}">&quot;#/components/schemas/${name}&quot;</a>`,
  );
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export const API_REFERENCE_STYLESHEET = `
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1a1a1a; }
h1 { font-size: 1.8rem; }
h2 { border-top: 1px solid #ccc; padding-top: 1rem; margin-top: 2rem; font-size: 1.3rem; }
h3 { font-size: 1.05rem; }
.method { display: inline-block; min-width: 3.5rem; font-weight: bold; color: #fff; background: #00538a; border-radius: 3px; padding: 0 .4rem; text-align: center; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; font-size: .85rem; margin: .3rem 0; }
a { color: #00538a; }
a:focus { outline: 3px solid #ffbf47; }
`;
