import { INS_OIDS, nirKey } from '@dui-pds/domain';
import type { CdaDocumentInput, CdaPatient } from '../cda/cda-document-input.js';
import { CDA_DOCUMENT_TYPES } from '../cda/cda-document-types.js';
import {
  ESSMS_PRACTICE_SETTING,
  PDS_FACILITY_TYPE,
  PROFESSION_OF_ROLE,
  structureIdOfFiness,
} from '../cda/cda-vocabulary.js';

/** A one-page PDF, as small as a PDF can be: what tests wrap. */
export const MINIMAL_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

export const EXAMPLE_FINESS = '750000001';
/** A test INS (INS-NIR de test): a woman born in March 1979 in the Marne. */
export const EXAMPLE_INS = { value: `2790351215189${nirKey('2790351215189')}`, oid: INS_OIDS.nirTest };

const traits = {
  birthName: 'PAT-TROIS',
  birthFirstNames: ['DOMINIQUE', 'MARIE-LOUISE'],
  birthDate: '1979-03-28',
  sex: 'F' as const,
  birthplaceCode: '51215',
};

/** The usager of the examples, qualified (QUAL: with the INS) or not (any other status). */
export function examplePatient(identity: 'qualified' | 'not-qualified'): CdaPatient {
  const localId = { root: '2.25.1234567890', extension: 'og-demo/usager-1' };
  return identity === 'qualified'
    ? { identity, ins: EXAMPLE_INS, traits, localId, usedName: 'NESSI' }
    : { identity, traits, localId, usedFirstName: 'DOMI' };
}

/** A complete input for a personalised project of a CSAPA, to change where a test needs to. */
export function exampleCdaInput(overrides: Partial<CdaDocumentInput> = {}): CdaDocumentInput {
  const at = new Date('2024-07-01T10:15:00+02:00');
  const doctor = {
    id: { root: '1.2.250.1.71.4.2.1', extension: '810002422979' },
    familyName: 'CHARLES',
    givenName: 'Pascal',
    ...(PROFESSION_OF_ROLE.doctor === undefined ? {} : { profession: PROFESSION_OF_ROLE.doctor }),
  };
  const facility = {
    finess: EXAMPLE_FINESS,
    name: 'CSAPA Les Tilleuls',
    facilityType: PDS_FACILITY_TYPE,
    practiceSetting: ESSMS_PRACTICE_SETTING,
    address: '1 rue des Tilleuls, 75011 Paris',
  };
  return {
    id: { root: '2.25.329800735698586629295641978511506172918' },
    setId: { root: '2.25.329800735698586629295641978511506172917' },
    versionNumber: 1,
    type: CDA_DOCUMENT_TYPES.personalisedProject,
    title: 'Projet personnalisé',
    effectiveTime: at,
    confidentiality: 'N',
    patient: examplePatient('qualified'),
    author: { ...doctor, time: at },
    custodian: { id: structureIdOfFiness(EXAMPLE_FINESS), name: facility.name },
    legalAuthenticator: { ...doctor, time: at },
    serviceEvent: { start: new Date('2024-03-04T09:00:00+01:00') },
    encounter: { start: new Date('2024-03-04T09:00:00+01:00'), facility },
    body: { mediaType: 'application/pdf', content: MINIMAL_PDF },
    ...overrides,
  };
}
