import { z } from 'zod';
import { type FieldError, type HttpProblem, validationProblem } from './problem-details.js';

/** Where a value of the request came from: the first segment of every error path. */
export type RequestPart = 'params' | 'query' | 'body' | 'headers';

/**
 * Zod's French messages, used for every request so that a schema author's own messages win and
 * everything else reads in French. They name the expected type, never the value received: a
 * rejected value may be a name, a NIR or a diagnosis.
 */
const frenchMessages = z.locales.fr().localeError;

/**
 * Parses one part of a request, or throws a validation-failed problem naming each wrong field.
 * The input is never reported back (`reportInput` stays off).
 */
export function parseRequestPart<Schema extends z.ZodType>(
  schema: Schema,
  part: RequestPart,
  value: unknown,
): z.output<Schema> {
  const result = schema.safeParse(value, { error: frenchMessages });
  if (result.success) return result.data;
  throw requestValidationProblem(result.error, part);
}

/** The problem for a zod error, whether from a request part or from a handler's own parsing. */
export function requestValidationProblem(error: z.ZodError, part?: RequestPart): HttpProblem {
  return validationProblem(
    part === undefined
      ? 'Certaines valeurs de la requête ne sont pas valides.'
      : `Certaines valeurs ${PART_LABEL[part]} ne sont pas valides.`,
    fieldErrors(error, part),
  );
}

const PART_LABEL: Record<RequestPart, string> = {
  params: 'du chemin',
  query: 'des paramètres de requête',
  body: 'du corps de la requête',
  headers: 'des en-têtes',
};

export function fieldErrors(error: z.ZodError, part?: RequestPart): FieldError[] {
  return error.issues.map((issue) => ({
    path: [...(part === undefined ? [] : [part]), ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/**
 * Refuses unknown keys at the top of a params, query or body schema: a misspelt field must not
 * be silently dropped. Nested objects keep their own mode (use `z.strictObject` there).
 */
export function strictly<Schema extends z.ZodType>(schema: Schema): Schema {
  if (!(schema instanceof z.ZodObject)) return schema;
  const strict = schema.strict();
  // Keeps the schema's description (`.meta()`) for the OpenAPI document; not its id, which the
  // registry holds once (the copy is documented inline, its nested named schemas still by name).
  const meta = z.globalRegistry.get(schema);
  if (meta !== undefined && z.globalRegistry.get(strict) === undefined) {
    const { id: _id, ...rest } = meta;
    strict.register(z.globalRegistry, rest);
  }
  return strict as unknown as Schema;
}

/** The keys of an object schema, or none for any other schema. */
export function objectKeys(schema: z.ZodType | undefined): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
