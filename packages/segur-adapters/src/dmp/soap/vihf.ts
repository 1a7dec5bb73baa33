import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { type SignatureAlgorithm, SignedXml } from 'xml-crypto';
import type { CodedValue } from '../../cda/cda-document-input.js';
import {
  MalformedXml,
  node,
  optionalChild,
  readXml,
  requiredChild,
  textNode,
  writeXml,
  type XmlElement,
  type XmlNode,
} from '../../xml/xml-document.js';
import type { DmpActor, DmpPatient, DmpSoftware } from '../dmp-port.js';
import { dmpPatientId, DMP_NAMESPACES as NS } from './dmp-soap-names.js';

/**
 * The VIHF (volet « Identification des acteurs » of the CI-SIS, jeton VIHF): a SAML 2.0 assertion
 * in the WS-Security header of every DMP request, saying who acts (the professional, their
 * profession, the structure and its sector), for which patient, with which software, signed by
 * the structure's certificate (XML-DSig, exclusive canonicalisation, RSA or ECDSA with SHA-256).
 * The DMP trusts the structure, which vouches for its professional (`Authentification_Mode`
 * INDIRECTE: the professional authenticated to the software, not to the DMP).
 *
 * The attribute names are those of the CI-SIS's VIHF as public DMP clients send them.
 * `VIHF_Version` is 3.0 there; a later ANS mapping names 4.0: to confirm at homologation.
 */
export const VIHF_ATTRIBUTES = {
  version: 'VIHF_Version',
  structureId: 'Identifiant_Structure',
  activitySector: 'Secteur_Activite',
  subjectId: 'urn:oasis:names:tc:xspa:1.0:subject:subject-id',
  role: 'urn:oasis:names:tc:xacml:2.0:subject:role',
  authenticationMode: 'Authentification_Mode',
  resourceId: 'urn:oasis:names:tc:xacml:2.0:resource:resource-id',
  resourceUrn: 'Ressource_URN',
  purposeOfUse: 'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse',
  lpsId: 'LPS_ID',
  lpsName: 'LPS_Nom',
  lpsVersion: 'LPS_Version',
  homologationNumber: 'LPS_ID_HOMOLOGATION_DMP',
} as const;

export const VIHF_VERSION = '3.0';
export const VIHF_RESOURCE_URN = 'urn:dmp';
export const VIHF_INDIRECT_AUTHENTICATION = 'INDIRECTE';
/** Mode_Acces_VIHF: a normal access (not « bris de glace », not a regulation centre). */
export const VIHF_NORMAL_ACCESS: CodedValue = {
  code: 'normal',
  displayName: 'Accès normal',
  codeSystem: '1.2.250.1.213.1.1.4.248',
  codeSystemName: 'mode acces VIHF 2.0',
};
const ISSUER_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName';
/** The structure's certificate authenticated the exchange (TLS client authentication). */
const AUTHN_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient';
const EXCLUSIVE_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';

/**
 * The DOM parser xml-crypto verifies on. It is loaded untyped: the type declarations of
 * `@xmldom/xmldom` 0.8 pull the browser's DOM library into the whole package's compilation.
 */
interface DomNode {
  namespaceURI: string | null;
  localName: string | null;
  parentNode: DomNode | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute(name: string): string | null;
}
const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as {
  DOMParser: new (options: {
    errorHandler: () => void;
  }) => {
    parseFromString(
      xml: string,
      mimeType: string,
    ): { getElementsByTagNameNS(namespace: string, name: string): ArrayLike<DomNode> };
  };
};

/** What a VIHF says, as the DMP reads it. */
export interface Vihf {
  assertionId: string;
  issuer: string;
  issueInstant: string;
  /** The professional (NameID). */
  nameId: string;
  version: string;
  structureId: string;
  /** `<code>^<code system>`. */
  activitySector: string;
  subjectName: string;
  roles: CodedValue[];
  authenticationMode: string;
  /** The patient: `<INS>^^^&<OID>&ISO^NH`. */
  resourceId: string;
  resourceUrn: string;
  purposeOfUse: CodedValue | undefined;
  software: { name: string; version: string; homologationNumber: string; id: string | undefined };
}

/** A VIHF the DMP does not take: unsigned, signed by another key, or missing what it must say. */
export class VihfRefused extends Error {
  override readonly name = 'VihfRefused';
}

/** The patient as the VIHF's resource id names them. */
export function vihfResourceId(patient: DmpPatient): string {
  return dmpPatientId(patient.ins);
}

/** The assertion, unsigned: its ID, the structure's certificate DN as issuer, and every attribute. */
export function buildVihfAssertion(request: {
  id: string;
  instant: Date;
  issuer: string;
  actor: DmpActor;
  patient: DmpPatient;
  software: DmpSoftware;
}): string {
  const { actor, software } = request;
  const instant = request.instant.toISOString();
  const simple = (name: string, value: string) =>
    node('saml2:Attribute', { Name: name }, textNode('saml2:AttributeValue', value));
  const coded = (element: string, value: CodedValue): XmlNode => ({
    name: element,
    attributes: {
      xmlns: NS.hl7,
      'xsi:type': 'CE',
      code: value.code,
      codeSystem: value.codeSystem,
      ...(value.codeSystemName === undefined ? {} : { codeSystemName: value.codeSystemName }),
      displayName: value.displayName,
    },
  });
  const xml = writeXml(
    node(
      'saml2:Assertion',
      {
        'xmlns:saml2': NS.saml,
        'xmlns:xsi': NS.xsi,
        ID: request.id,
        IssueInstant: instant,
        Version: '2.0',
      },
      { name: 'saml2:Issuer', attributes: { Format: ISSUER_FORMAT }, text: request.issuer },
      node('saml2:Subject', {}, textNode('saml2:NameID', actor.id)),
      node(
        'saml2:AuthnStatement',
        { AuthnInstant: instant },
        node('saml2:AuthnContext', {}, textNode('saml2:AuthnContextClassRef', AUTHN_CONTEXT)),
      ),
      node(
        'saml2:AttributeStatement',
        {},
        simple(VIHF_ATTRIBUTES.version, VIHF_VERSION),
        simple(VIHF_ATTRIBUTES.structureId, actor.structure.id),
        simple(
          VIHF_ATTRIBUTES.activitySector,
          `${actor.structure.activitySector.code}^${actor.structure.activitySector.codeSystem}`,
        ),
        simple(VIHF_ATTRIBUTES.subjectId, actor.name),
        node(
          'saml2:Attribute',
          { Name: VIHF_ATTRIBUTES.role },
          ...actor.roles.map((role) => node('saml2:AttributeValue', {}, coded('Role', role))),
        ),
        simple(VIHF_ATTRIBUTES.authenticationMode, VIHF_INDIRECT_AUTHENTICATION),
        simple(VIHF_ATTRIBUTES.resourceId, vihfResourceId(request.patient)),
        simple(VIHF_ATTRIBUTES.resourceUrn, VIHF_RESOURCE_URN),
        node(
          'saml2:Attribute',
          { Name: VIHF_ATTRIBUTES.purposeOfUse },
          node('saml2:AttributeValue', {}, coded('PurposeOfUse', VIHF_NORMAL_ACCESS)),
        ),
        software.instanceId === undefined ? undefined : simple(VIHF_ATTRIBUTES.lpsId, software.instanceId),
        simple(VIHF_ATTRIBUTES.lpsName, software.name),
        simple(VIHF_ATTRIBUTES.lpsVersion, software.version),
        simple(VIHF_ATTRIBUTES.homologationNumber, software.homologationNumber),
      ),
    ),
  );
  return withoutDeclaration(xml);
}

/**
 * Signs the assertion with the structure's key: an enveloped XML-DSig signature placed after the
 * Issuer (where the SAML schema puts it), the reference on the assertion's ID, exclusive
 * canonicalisation, SHA-256, and the certificate in KeyInfo.
 */
export function signVihfAssertion(assertionXml: string, structure: { cert: string; key: string }): string {
  const signer = new SignedXml({
    privateKey: structure.key,
    publicCert: structure.cert,
    signatureAlgorithm: signatureAlgorithmOf(structure.key),
    canonicalizationAlgorithm: EXCLUSIVE_C14N,
  });
  withSha256Algorithms(signer);
  signer.addReference({
    xpath: "/*[local-name(.)='Assertion']",
    transforms: [ENVELOPED, EXCLUSIVE_C14N],
    digestAlgorithm: SHA256,
  });
  signer.computeSignature(assertionXml, {
    prefix: 'ds',
    location: { reference: "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}

/** The issuer a VIHF names: the subject DN of the certificate that signs it, as RFC 2253 writes it. */
export function issuerOfCertificate(cert: string): string {
  const { subject } = new X509Certificate(cert);
  return subject
    .split('\n')
    .filter((part) => part !== '')
    .reverse()
    .map((part) => {
      const equals = part.indexOf('=');
      return `${part.slice(0, equals)}=${part.slice(equals + 1).replace(/([,+"\\<>;])/g, '\\$1')}`;
    })
    .join(',');
}

/**
 * Finds the VIHF in a request's WS-Security header and checks it as the DMP does: signed over the
 * assertion itself by the given certificate (the client's TLS certificate: the structure that
 * connects is the one that vouches), with SHA-256. Answers what the signed assertion says, read
 * from the bytes the signature covers, never from the rest of the message.
 *
 * Without a certificate (plain HTTP, in unit tests) the one the signature carries is used: that
 * proves the assertion intact, not who signed it.
 */
export function verifyVihf(envelopeXml: string, structureCert: string | undefined): Vihf {
  const document = new DOMParser({ errorHandler: () => undefined }).parseFromString(envelopeXml, 'text/xml');
  const assertions = Array.from(document.getElementsByTagNameNS(NS.saml, 'Assertion'));
  const [assertion, ...others] = assertions.filter(
    (element) => element.parentNode?.namespaceURI === NS.wsse && element.parentNode?.localName === 'Security',
  );
  if (assertion === undefined || others.length > 0)
    throw new VihfRefused('one VIHF assertion expected in wsse:Security');
  const signatures = Array.from(assertion.childNodes).filter(
    (child) => child.namespaceURI === NS.xmldsig && child.localName === 'Signature',
  );
  const [signature, ...moreSignatures] = signatures;
  if (signature === undefined || moreSignatures.length > 0) throw new VihfRefused('the VIHF is not signed');
  // the key is the client certificate's, never one the message brings in its KeyInfo
  const verifier =
    structureCert === undefined
      ? new SignedXml()
      : new SignedXml({ publicCert: structureCert, getCertFromKeyInfo: () => null });
  withSha256Algorithms(verifier);
  let valid: boolean;
  try {
    verifier.loadSignature(signature);
    valid = verifier.checkSignature(envelopeXml);
  } catch {
    // the library's reasons quote signature values: only that it failed is said
    throw new VihfRefused('the VIHF signature does not verify with the client certificate');
  }
  if (!valid) throw new VihfRefused('the VIHF signature does not verify with the client certificate');
  const references = verifier.getReferences();
  const id = assertion.getAttribute('ID');
  if (references.length !== 1 || id === null || references[0]?.uri !== `#${id}`) {
    throw new VihfRefused('the signature does not cover the assertion');
  }
  const [signed] = verifier.getSignedReferences();
  if (signed === undefined) throw new VihfRefused('the signature covers nothing');
  return readVihf(signed);
}

/** Reads an assertion's VIHF attributes; throws `VihfRefused` when one it must carry is missing. */
export function readVihf(assertionXml: string): Vihf {
  let assertion: XmlElement;
  try {
    assertion = readXml(assertionXml);
  } catch (error) {
    if (error instanceof MalformedXml) throw new VihfRefused(`the VIHF is not XML (${error.message})`);
    throw error;
  }
  if (assertion.namespace !== NS.saml || assertion.name !== 'Assertion') throw new VihfRefused('not a SAML assertion');
  const attributes = new Map<string, XmlElement[]>();
  const statement = optionalChild(assertion, NS.saml, 'AttributeStatement');
  for (const attribute of statement?.children ?? []) {
    if (attribute.namespace !== NS.saml || attribute.name !== 'Attribute') continue;
    const name = attribute.attributes.Name ?? '';
    const values = attribute.children.filter((child) => child.namespace === NS.saml && child.name === 'AttributeValue');
    attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
  }
  const text = (name: string) => {
    const value = attributes.get(name)?.[0]?.text;
    if (value === undefined || value === '') throw new VihfRefused(`the VIHF has no ${name}`);
    return value;
  };
  const optionalText = (name: string) => attributes.get(name)?.[0]?.text || undefined;
  const codes = (name: string) => (attributes.get(name) ?? []).flatMap((value) => value.children.map(codedValueOf));
  let nameId: string;
  let issuer: string;
  try {
    nameId = requiredChild(requiredChild(assertion, NS.saml, 'Subject'), NS.saml, 'NameID').text;
    issuer = requiredChild(assertion, NS.saml, 'Issuer').text;
  } catch (error) {
    if (error instanceof MalformedXml) throw new VihfRefused(error.message);
    throw error;
  }
  const roles = codes(VIHF_ATTRIBUTES.role);
  if (roles.length === 0) throw new VihfRefused(`the VIHF has no ${VIHF_ATTRIBUTES.role}`);
  if (nameId === '') throw new VihfRefused('the VIHF names no professional');
  return {
    assertionId: assertion.attributes.ID ?? '',
    issuer,
    issueInstant: assertion.attributes.IssueInstant ?? '',
    nameId,
    version: text(VIHF_ATTRIBUTES.version),
    structureId: text(VIHF_ATTRIBUTES.structureId),
    activitySector: text(VIHF_ATTRIBUTES.activitySector),
    subjectName: text(VIHF_ATTRIBUTES.subjectId),
    roles,
    authenticationMode: text(VIHF_ATTRIBUTES.authenticationMode),
    resourceId: text(VIHF_ATTRIBUTES.resourceId),
    resourceUrn: text(VIHF_ATTRIBUTES.resourceUrn),
    purposeOfUse: codes(VIHF_ATTRIBUTES.purposeOfUse)[0],
    software: {
      name: text(VIHF_ATTRIBUTES.lpsName),
      version: text(VIHF_ATTRIBUTES.lpsVersion),
      homologationNumber: text(VIHF_ATTRIBUTES.homologationNumber),
      id: optionalText(VIHF_ATTRIBUTES.lpsId),
    },
  };
}

function codedValueOf(element: XmlElement): CodedValue {
  const { code, codeSystem, codeSystemName, displayName } = element.attributes;
  if (code === undefined || codeSystem === undefined) throw new VihfRefused(`${element.name} has no code`);
  return { code, codeSystem, displayName: displayName ?? '', ...(codeSystemName ? { codeSystemName } : {}) };
}

function withoutDeclaration(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>/, '');
}

/** RSA keys sign with RSA-SHA256, EC keys with ECDSA-SHA256: the structure's certificate decides. */
function signatureAlgorithmOf(key: string): string {
  return createPrivateKey(key).asymmetricKeyType === 'ec' ? ECDSA_SHA256 : RSA_SHA256;
}

/** Only SHA-256 signatures: neither SHA-1 nor HMAC is accepted, nor produced. */
function withSha256Algorithms(signed: SignedXml): void {
  signed.SignatureAlgorithms = {
    [RSA_SHA256]: RsaSha256Only as unknown as new () => SignatureAlgorithm,
    [ECDSA_SHA256]: EcdsaSha256 as unknown as new () => SignatureAlgorithm,
  };
}

/**
 * XML-DSig's ECDSA (RFC 4051): the signature value is r and s side by side (IEEE P1363), not the
 * DER sequence Node produces by default.
 */
class EcdsaSha256 {
  getSignature(signedInfo: string | Buffer, privateKey: string | Buffer): string {
    return sign('sha256', Buffer.from(signedInfo), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
  }
  verifySignature(material: string, key: string | Buffer, signatureValue: string): boolean {
    return verify(
      'sha256',
      Buffer.from(material),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signatureValue, 'base64'),
    );
  }
  getAlgorithmName(): string {
    return ECDSA_SHA256;
  }
}

class RsaSha256Only {
  getSignature(signedInfo: string | Buffer, privateKey: string | Buffer): string {
    return sign('sha256', Buffer.from(signedInfo), privateKey).toString('base64');
  }
  verifySignature(material: string, key: string | Buffer, signatureValue: string): boolean {
    return verify('sha256', Buffer.from(material), key, Buffer.from(signatureValue, 'base64'));
  }
  getAlgorithmName(): string {
    return RSA_SHA256;
  }
}
