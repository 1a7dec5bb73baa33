import { insSchema, strictTraitsSchema } from '@dui-pds/domain';
import { node, textNode, writeXml, type XmlNode } from '../xml/xml-document.js';
import type {
  CdaDocumentInput,
  CdaFacility,
  CdaPatient,
  CdaProfessional,
  CodedValue,
  InstanceIdentifier,
} from './cda-document-input.js';
import { CdaInputRefused } from './cda-input-refused.js';
import {
  ADMINISTRATIVE_GENDER,
  CDA_CONFIDENTIALITY,
  CDA_OIDS,
  CDA_TEMPLATE_IDS,
  isUidRoot,
  structureIdOfFiness,
} from './cda-vocabulary.js';
import { hl7Day, hl7Instant, isValidDate } from './hl7-time.js';

export const HL7_V3_NAMESPACE = 'urn:hl7-org:v3';

/**
 * A CDA R2 level 1 document (the PDF as its non-XML body) with the header of the CI-SIS
 * « structuration minimale »: the three templates of an unstructured document, the INS in
 * `recordTarget` only for a qualified identity (with the strict traits the INS rests on), one
 * author, the custodian, one legal authenticator, the service event with its performer, and the
 * encounter in its ESSMS. Refuses, with `CdaInputRefused`, what those rules forbid.
 */
export function buildCdaDocument(input: CdaDocumentInput): string {
  checkInput(input);
  const facility = input.encounter.facility;
  return writeXml(
    node(
      'ClinicalDocument',
      { xmlns: HL7_V3_NAMESPACE },
      node('realmCode', { code: 'FR' }),
      node('typeId', { root: CDA_OIDS.cdaTypeId, extension: 'POCD_HD000040' }),
      node('templateId', { root: CDA_TEMPLATE_IDS.hl7France }),
      node('templateId', { root: CDA_TEMPLATE_IDS.ciSis }),
      node('templateId', { root: CDA_TEMPLATE_IDS.unstructuredDocument }),
      identifier('id', input.id),
      coded('code', input.type),
      textNode('title', input.title.trim()),
      node('effectiveTime', { value: hl7Instant(input.effectiveTime) }),
      coded('confidentialityCode', CDA_CONFIDENTIALITY[input.confidentiality]),
      node('languageCode', { code: 'fr-FR' }),
      identifier('setId', input.setId),
      node('versionNumber', { value: String(input.versionNumber) }),
      recordTarget(input.patient),
      node(
        'author',
        {},
        node('time', { value: hl7Instant(input.author.time) }),
        node(
          'assignedAuthor',
          {},
          ...professional(input.author),
          organisation('representedOrganization', facility, { practiceSetting: true }),
        ),
      ),
      node(
        'custodian',
        {},
        node(
          'assignedCustodian',
          {},
          node(
            'representedCustodianOrganization',
            {},
            identifier('id', input.custodian.id),
            textNode('name', input.custodian.name),
          ),
        ),
      ),
      node(
        'legalAuthenticator',
        {},
        node('time', { value: hl7Instant(input.legalAuthenticator.time) }),
        node('signatureCode', { code: 'S' }),
        node(
          'assignedEntity',
          {},
          ...professional(input.legalAuthenticator),
          organisation('representedOrganization', facility, { practiceSetting: false }),
        ),
      ),
      documentationOf(input, facility),
      input.replaces === undefined
        ? undefined
        : node('relatedDocument', { typeCode: 'RPLC' }, node('parentDocument', {}, identifier('id', input.replaces))),
      componentOf(input, facility),
      node(
        'component',
        {},
        node(
          'nonXMLBody',
          {},
          {
            name: 'text',
            attributes: { mediaType: 'application/pdf', representation: 'B64' },
            text: input.body.content.toString('base64'),
          },
        ),
      ),
    ),
  );
}

/**
 * The patient: the INS first (root = its OID) for a qualified identity only, then the local id;
 * the birth name and first names (BR), all the birth first names unqualified, the used ones (CL),
 * sex, birth date and birthplace (COG), which the CI-SIS requires wherever an INS is written.
 */
function recordTarget(patient: CdaPatient): XmlNode {
  const { traits } = patient;
  const gender = ADMINISTRATIVE_GENDER[traits.sex];
  return node(
    'recordTarget',
    {},
    node(
      'patientRole',
      {},
      patient.identity === 'qualified'
        ? node('id', { root: patient.ins.oid, extension: patient.ins.value })
        : undefined,
      identifier('id', patient.localId),
      node(
        'patient',
        { classCode: 'PSN' },
        node(
          'name',
          {},
          { name: 'family', attributes: { qualifier: 'BR' }, text: traits.birthName },
          textNode('given', traits.birthFirstNames.join(' ')),
          { name: 'given', attributes: { qualifier: 'BR' }, text: traits.birthFirstNames[0] as string },
          patient.usedName === undefined
            ? undefined
            : { name: 'family', attributes: { qualifier: 'CL' }, text: patient.usedName },
          patient.usedFirstName === undefined
            ? undefined
            : { name: 'given', attributes: { qualifier: 'CL' }, text: patient.usedFirstName },
        ),
        node('administrativeGenderCode', {
          code: gender.code,
          displayName: gender.displayName,
          codeSystem: CDA_OIDS.hl7AdministrativeGender,
        }),
        node('birthTime', { value: hl7Day(traits.birthDate) }),
        node('birthplace', {}, node('place', {}, node('addr', {}, textNode('county', traits.birthplaceCode)))),
      ),
    ),
  );
}

/** id, profession and name of a professional, in the order `assignedAuthor` and `assignedEntity` share. */
function professional(who: CdaProfessional): XmlNode[] {
  return [
    identifier('id', who.id),
    ...(who.profession === undefined ? [] : [coded('code', who.profession)]),
    node(
      'assignedPerson',
      {},
      node(
        'name',
        {},
        who.givenName === undefined || who.givenName.trim() === '' ? undefined : textNode('given', who.givenName),
        textNode('family', who.familyName),
      ),
    ),
  ];
}

/** The ESSMS as an organisation: IdNat_Struct from its FINESS, its name, and its practice setting where asked. */
function organisation(name: string, facility: CdaFacility, options: { practiceSetting: boolean }): XmlNode {
  return node(
    name,
    {},
    identifier('id', structureIdOfFiness(facility.finess)),
    textNode('name', facility.name),
    options.practiceSetting ? coded('standardIndustryClassCode', facility.practiceSetting) : undefined,
  );
}

function documentationOf(input: CdaDocumentInput, facility: CdaFacility): XmlNode {
  const { serviceEvent } = input;
  const performer = serviceEvent.performer ?? input.author;
  return node(
    'documentationOf',
    {},
    node(
      'serviceEvent',
      {},
      serviceEvent.code === undefined ? undefined : coded('code', serviceEvent.code),
      interval(serviceEvent.start, serviceEvent.end),
      node(
        'performer',
        { typeCode: 'PRF' },
        node(
          'assignedEntity',
          {},
          ...professional(performer),
          organisation('representedOrganization', facility, { practiceSetting: true }),
        ),
      ),
    ),
  );
}

function componentOf(input: CdaDocumentInput, facility: CdaFacility): XmlNode {
  const { encounter } = input;
  return node(
    'componentOf',
    {},
    node(
      'encompassingEncounter',
      {},
      encounter.id === undefined ? undefined : identifier('id', encounter.id),
      interval(encounter.start, encounter.end),
      node(
        'location',
        {},
        node(
          'healthCareFacility',
          {},
          identifier('id', structureIdOfFiness(facility.finess)),
          coded('code', facility.facilityType),
          facility.address === undefined
            ? undefined
            : node(
                'location',
                {},
                textNode('name', facility.name),
                node('addr', {}, textNode('streetAddressLine', facility.address)),
              ),
          node(
            'serviceProviderOrganization',
            {},
            identifier('id', structureIdOfFiness(facility.finess)),
            textNode('name', facility.name),
          ),
        ),
      ),
    ),
  );
}

function interval(start: Date, end: Date | undefined): XmlNode {
  return node(
    'effectiveTime',
    {},
    node('low', { value: hl7Instant(start) }),
    end === undefined ? undefined : node('high', { value: hl7Instant(end) }),
  );
}

function identifier(name: string, id: InstanceIdentifier): XmlNode {
  return node(name, id.extension === undefined ? { root: id.root } : { root: id.root, extension: id.extension });
}

function coded(name: string, value: CodedValue): XmlNode {
  return node(name, {
    code: value.code,
    displayName: value.displayName,
    codeSystem: value.codeSystem,
    ...(value.codeSystemName === undefined ? {} : { codeSystemName: value.codeSystemName }),
  });
}

/** What the schema or the CI-SIS would refuse, refused before any XML is written. */
function checkInput(input: CdaDocumentInput): void {
  const patient = input.patient as { identity?: unknown };
  if (patient.identity !== 'qualified' && patient.identity !== 'not-qualified') {
    throw new CdaInputRefused(
      'ANONYMOUS_PATIENT',
      'Un usager anonyme n’a pas de document CDA : rien n’est envoyé au DMP ni par MSSanté.',
    );
  }
  if (!strictTraitsSchema.safeParse(input.patient.traits).success) {
    throw new CdaInputRefused(
      'INVALID_IDENTITY',
      'Les traits stricts de l’usager sont incomplets ou mal formés : le document CDA ne peut pas l’identifier.',
    );
  }
  if (input.patient.identity === 'qualified' && !insSchema.safeParse(input.patient.ins).success) {
    throw new CdaInputRefused(
      'INVALID_IDENTITY',
      'L’INS de l’usager est mal formé : le document CDA n’est pas produit.',
    );
  }
  const identifiers: [string, InstanceIdentifier][] = [
    ['du document', input.id],
    ['de l’ensemble des versions', input.setId],
    ['local de l’usager', input.patient.localId],
    ['de l’auteur', input.author.id],
    ['du responsable du document', input.legalAuthenticator.id],
    ['de l’organisation dépositaire', input.custodian.id],
    ...(input.encounter.id === undefined
      ? []
      : [['de la prise en charge', input.encounter.id] as [string, InstanceIdentifier]]),
    ...(input.replaces === undefined
      ? []
      : [['de la version remplacée', input.replaces] as [string, InstanceIdentifier]]),
  ];
  for (const [what, id] of identifiers) {
    if (!isUidRoot(id.root) || (id.extension !== undefined && id.extension.trim() === '')) {
      throw new CdaInputRefused('INVALID_IDENTIFIER', `L’identifiant ${what} n’est pas un OID ou un UUID valide.`);
    }
  }
  if (input.patient.localId.extension === undefined) {
    throw new CdaInputRefused('INVALID_IDENTIFIER', 'L’identifiant local de l’usager doit avoir une extension.');
  }
  if (input.custodian.id.root !== CDA_OIDS.nationalStructureId && input.custodian.id.root !== CDA_OIDS.dmpCustodian) {
    throw new CdaInputRefused(
      'INVALID_CUSTODIAN',
      'L’organisation dépositaire du document doit être désignée par son identifiant national de structure (FINESS).',
    );
  }
  if (!/^\d[\dAB]\d{7}$/.test(input.encounter.facility.finess) || input.encounter.facility.name.trim() === '') {
    throw new CdaInputRefused(
      'INVALID_FACILITY',
      'L’établissement de la prise en charge doit avoir un numéro FINESS (9 caractères) et un nom.',
    );
  }
  const instants = [
    input.effectiveTime,
    input.author.time,
    input.legalAuthenticator.time,
    input.serviceEvent.start,
    input.encounter.start,
    ...(input.serviceEvent.end === undefined ? [] : [input.serviceEvent.end]),
    ...(input.encounter.end === undefined ? [] : [input.encounter.end]),
  ];
  if (!instants.every(isValidDate)) {
    throw new CdaInputRefused('INVALID_DATE', 'Une date du document CDA est invalide.');
  }
  if (
    (input.serviceEvent.end !== undefined && input.serviceEvent.end < input.serviceEvent.start) ||
    (input.encounter.end !== undefined && input.encounter.end < input.encounter.start)
  ) {
    throw new CdaInputRefused('INVALID_DATE', 'Une période du document CDA finit avant d’avoir commencé.');
  }
  if (!Number.isInteger(input.versionNumber) || input.versionNumber < 1) {
    throw new CdaInputRefused('INVALID_VERSION', 'Le numéro de version du document doit être un entier positif.');
  }
  if (input.title.trim() === '') {
    throw new CdaInputRefused('EMPTY_TITLE', 'Le document CDA doit avoir un titre.');
  }
  if (input.body.mediaType !== 'application/pdf' || input.body.content.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new CdaInputRefused('BODY_NOT_PDF', 'Seul un PDF peut être transmis comme document CDA non structuré.');
  }
}
