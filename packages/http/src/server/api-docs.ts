import { Router } from 'express';
import { API_REFERENCE_STYLESHEET, API_REFERENCE_STYLESHEET_PATH, renderApiReference } from './api-reference-page.js';
import type { OpenApiDocument } from './openapi.js';

/** `/openapi.json` and its readable form `/docs`, rendered once: the routes do not change while running. */
export function apiDocsRoutes(document: OpenApiDocument): Router {
  const json = JSON.stringify(document);
  const page = renderApiReference(document);
  const router = Router();
  router.get('/openapi.json', (_request, response) => {
    response.type('application/json').send(json);
  });
  router.get('/docs', (_request, response) => {
    response.type('html').send(page);
  });
  router.get(API_REFERENCE_STYLESHEET_PATH, (_request, response) => {
    response.type('css').send(API_REFERENCE_STYLESHEET);
  });
  return router;
}
