import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { z } from 'zod';
import { renderApiReference } from './api-reference-page.js';
import { buildOpenApiDocument, openApiPath, operationIdOf } from './openapi.js';
import { PROBLEM_BASE_URI } from './problem-details.js';
import { defineCommand, defineQuery } from './routes.js';
import { FakeRecords, fakeRoutes } from './testing/shell-under-test.js';

describe('the OpenAPI document', () => {
  const routes = fakeRoutes(new FakeRecords());

  it('is a valid OpenAPI 3.1 document', async () => {
    // given
    const document = buildOpenApiDocument(routes);

    // when
    const result = await new Validator().validate(JSON.parse(JSON.stringify(document)));

    // then
    expect(result.errors ?? []).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(document.openapi).to.equal('3.1.0');
  });

  it('describes every declared route, with its parameters, body and answers', () => {
    // when
    const document = buildOpenApiDocument(routes);

    // then
    for (const route of routes) {
      expect(document.paths[openApiPath(route.path)]?.[route.method], `${route.method} ${route.path}`).to.include({
        operationId: operationIdOf(route),
        summary: route.summary,
      });
    }
    const read = document.paths['/usagers/{serviceUserId}']?.get;
    const uuidPattern = (read?.parameters[0] as { schema: { pattern: string } } | undefined)?.schema.pattern;
    expect(read?.parameters).to.deep.include({
      name: 'serviceUserId',
      in: 'path',
      required: true,
      description: 'Identifiant de l’usager',
      schema: {
        type: 'string',
        format: 'uuid',
        pattern: uuidPattern,
      },
    });
    expect(read?.parameters).to.deep.include({
      name: 'depuis',
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    });
    expect(Object.keys(read?.responses ?? {})).to.have.members(['200', '400', '404', '429', '500']);
    expect(read?.responses['200']?.headers).to.have.property('ETag');
  });

  it('documents commands with their Idempotency-Key and If-Match headers and the problems they may answer', () => {
    // when
    const document = buildOpenApiDocument(routes);

    // then
    const admit = document.paths['/usagers']?.post;
    expect(admit?.parameters).to.deep.include({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(admit?.parameters.find((parameter) => (parameter as { name?: string }).name === 'If-Match')).to.include({
      in: 'header',
      required: false,
    });
    expect(admit?.requestBody).to.deep.nested.include({
      'content.application/json.schema.additionalProperties': false,
      'content.application/json.schema.required': ['nom', 'prenom'],
    });
    expect(Object.keys(admit?.responses ?? {})).to.have.members([
      '201',
      '400',
      '409',
      '412',
      '413',
      '415',
      '422',
      '428',
      '429',
      '500',
    ]);
    expect(admit?.responses['422']?.content?.['application/problem+json']?.schema).to.deep.equal({
      oneOf: [
        { $ref: '#/components/schemas/Problem.idempotency-key-reused' },
        { $ref: '#/components/schemas/DomainRuleProblem' },
      ],
    });
    const archive = document.paths['/usagers/{serviceUserId}/archivage']?.post;
    expect(archive?.parameters.find((parameter) => (parameter as { name?: string }).name === 'If-Match')).to.include({
      required: true,
    });
    expect(document.components.schemas['Problem.rate-limited']).to.deep.nested.include({
      'allOf[1].properties.type.const': `${PROBLEM_BASE_URI}rate-limited`,
    });
  });

  it('gathers named schemas in components, one entry per form when input and output differ', async () => {
    // given
    const Address = z.object({ ville: z.string(), pays: z.string().default('France') }).meta({ id: 'Adresse' });
    const named = [
      defineCommand({
        path: '/adresses',
        summary: 'Déclarer une adresse',
        body: z.object({ adresse: Address }),
        response: z.object({ adresse: Address }),
        handler: ({ body }) => ({ body }),
      }),
      defineQuery({
        path: '/adresses/:id',
        summary: 'Lire une adresse',
        params: z.object({ id: z.string() }),
        response: z.object({ adresses: z.array(Address) }),
        handler: () => ({ body: { adresses: [] } }),
      }),
    ];

    // when
    const document = buildOpenApiDocument(named);

    // then
    expect(document.components.schemas).to.have.property('Adresse');
    expect(document.components.schemas).to.have.property('Adresse.output');
    expect(JSON.stringify(document)).not.to.include('#/$defs/');
    expect((await new Validator().validate(JSON.parse(JSON.stringify(document)))).valid).to.equal(true);
  });

  it('refuses a route declared twice', () => {
    // then
    expect(() => buildOpenApiDocument([routes[0]!, routes[0]!])).to.throw(TypeError, /declared twice/);
  });
});

describe('the API reference page', () => {
  it('lists every operation with its parameters, body and answers, escaped, with no external resource', () => {
    // given
    const routes = fakeRoutes(new FakeRecords());
    const document = buildOpenApiDocument(routes, { description: 'Essai <script>alert(1)</script>' });

    // when
    const page = renderApiReference(document);

    // then
    expect(page).to.include('<html lang="fr">');
    for (const route of routes) {
      expect(page).to.include(`id="${operationIdOf(route)}"`);
      expect(page).to.include(route.summary.replaceAll('’', '’'));
    }
    expect(page)
      .to.include('<h3>Paramètres</h3>')
      .and.include('<h3>Corps de la requête</h3>')
      .and.include('<h3>Réponses</h3>');
    expect(page).to.include('Idempotency-Key').and.include('If-Match');
    expect(page).not.to.include('<script>');
    expect(page).to.include('&lt;script&gt;');
    expect(page).not.to.match(/(src|href)="https?:/);
  });
});
