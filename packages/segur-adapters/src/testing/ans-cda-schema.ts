import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlParseError, XmlValidateError, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

/**
 * The CDA schema as the ANS extends it for the CI-SIS (`shared/ans-cda/xsd/CDA_extended.xsd`, beside
 * the repository's root), and what tests need to check a document against it and the header rules:
 * schema validation, and XPath over the HL7 v3 namespace (prefix `hl7`).
 */
export const ANS_CDA_SCHEMA_PATH = join(sharedFolder(), 'ans-cda', 'xsd', 'CDA_extended.xsd');

let validator: XsdValidator | undefined;

/** Whether the XML is valid against the ANS CDA schema, and libxml2's errors when it is not. */
export async function validateAgainstAnsCdaSchema(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const schema = ansCdaValidator();
  let document: XmlDocument;
  try {
    document = XmlDocument.fromString(xml);
  } catch (error) {
    if (error instanceof XmlParseError) return { valid: false, errors: error.details.map((detail) => detail.message) };
    throw error;
  }
  try {
    schema.validate(document);
    return { valid: true, errors: [] };
  } catch (error) {
    if (error instanceof XmlValidateError) {
      return { valid: false, errors: error.details.map((detail) => `ligne ${detail.line} : ${detail.message.trim()}`) };
    }
    throw error;
  } finally {
    document.dispose();
  }
}

export const CDA_XPATH_NAMESPACES = { hl7: 'urn:hl7-org:v3' } as const;

/**
 * The string values of what an XPath expression selects (attributes' values, elements' text), in
 * document order; `hl7:` is the HL7 v3 namespace, other prefixes may be given.
 */
export function xpathValues(xml: string, expression: string, namespaces: Record<string, string> = {}): string[] {
  const document = XmlDocument.fromString(xml);
  try {
    return document.find(expression, { ...CDA_XPATH_NAMESPACES, ...namespaces }).map((found) => found.content);
  } finally {
    document.dispose();
  }
}

/** How many nodes an XPath expression selects. */
export function xpathCount(xml: string, expression: string, namespaces: Record<string, string> = {}): number {
  return xpathValues(xml, expression, namespaces).length;
}

function ansCdaValidator(): XsdValidator {
  if (validator === undefined) {
    // the schema includes and imports its other files by relative path
    xmlRegisterFsInputProviders();
    const schema = XmlDocument.fromBuffer(readFileSync(ANS_CDA_SCHEMA_PATH), { url: ANS_CDA_SCHEMA_PATH });
    validator = XsdValidator.fromDoc(schema);
  }
  return validator;
}

/** `shared/`, beside the folder that holds `pnpm-workspace.yaml` (the repository's root, or CI's clone). */
function sharedFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'pnpm-workspace.yaml'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('ans-cda-schema: no pnpm-workspace.yaml above this file');
    folder = parent;
  }
  return join(dirname(folder), 'shared');
}
