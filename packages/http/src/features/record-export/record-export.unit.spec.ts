import type { RecordedEvent } from '@dui-pds/eventstore';
import { expect } from 'chai';
import { strFromU8, unzipSync } from 'fflate';
import { buildRecordExport, type ExportableDocument, type RecordExportSources } from './record-export.js';

const where = { organisationId: 'org-1', serviceUserId: 'usager-1' };
const now = new Date('2026-11-26T09:00:00Z');

function fact(type: string, data: unknown, position: number): RecordedEvent {
  return {
    id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
    type,
    version: 1,
    data,
    metadata: {
      organisationId: 'org-1',
      facilityId: '750000001',
      actor: { kind: 'professional', id: 'pro-1', role: 'nurse' },
      occurredAt: '2026-11-20T08:00:00.000Z',
      recordedAt: '2026-11-20T08:00:01.000Z',
      serviceUserId: 'usager-1',
    },
    streamId: `stream-${position}`,
    streamRevision: 0,
    globalPosition: BigInt(position),
    previousHash: '0'.repeat(64),
    hash: '1'.repeat(64),
  };
}

const contract = { bytes: new TextEncoder().encode('%PDF-contrat'), sha256: 'a'.repeat(64) };
const report = { bytes: new TextEncoder().encode('%PDF-compte-rendu'), sha256: 'b'.repeat(64) };
const documents: ExportableDocument[] = [
  {
    documentId: 'doc-contract',
    kind: 'stayContract',
    title: 'Contrat de séjour',
    sensitivity: 'administrative',
    sharedWithServiceUser: true,
    versions: [{ version: 1, contentSha256: contract.sha256, mediaType: 'application/pdf', fileName: 'contrat.pdf' }],
    signatures: [],
  },
  {
    documentId: 'doc-report',
    kind: 'medicalReport',
    title: 'Compte rendu médical',
    sensitivity: 'medical',
    sharedWithServiceUser: false,
    versions: [{ version: 1, contentSha256: report.sha256, mediaType: 'application/pdf', fileName: 'cr.pdf' }],
    signatures: [],
  },
];

const sources: RecordExportSources = {
  facts: async () => [
    fact('ServiceUserRegistered', { birthName: 'MARTIN' }, 1),
    fact('ClinicalObservationRecorded', { text: 'tension 12/8' }, 2),
    fact('PortalPasswordSet', { passwordHash: 'scrypt$secret' }, 3),
    fact('NoteWritten', { $erased: true }, 4),
  ],
  documents: async () => documents,
  content: async (_where, sha256) => (sha256 === contract.sha256 ? contract.bytes : report.bytes),
};

function unzip(zip: Uint8Array) {
  const files = unzipSync(zip);
  const record = JSON.parse(strFromU8(files['dossier.json']!)) as {
    facts: { type: string }[];
    documents: { documentId: string; versions: { file: string }[] }[];
  };
  return { files, record };
}

describe('the export of a usager’s record', () => {
  it('gives the usager every fact and document of the record, but never their portal secrets', async () => {
    // when the usager's export is built
    const built = await buildRecordExport(sources, { ...where, requester: { kind: 'serviceUser' } }, now);

    // then it holds the readable facts, every document and a French notice
    const { files, record } = unzip(built.zip);
    expect(record.facts.map((fact) => fact.type)).to.deep.equal([
      'ServiceUserRegistered',
      'ClinicalObservationRecorded',
    ]);
    expect(record.documents.map((document) => document.documentId)).to.deep.equal(['doc-contract', 'doc-report']);
    const paths = record.documents.flatMap((document) => document.versions.map((version) => version.file));
    expect(paths).to.deep.equal(['documents/01-contrat-de-sejour-v1.pdf', 'documents/02-compte-rendu-medical-v1.pdf']);
    expect(strFromU8(files[paths[0]!]!)).to.equal('%PDF-contrat');
    expect(strFromU8(files['LISEZMOI.txt']!)).to.contain('droit d’accès');
    expect(strFromU8(files['dossier.json']!)).not.to.contain('scrypt$secret');
  });

  it('gives a personne de confiance only what the designation opens and the shared documents', async () => {
    const built = await buildRecordExport(
      sources,
      { ...where, requester: { kind: 'trustedPerson', trustedPersonId: 'tp-1' } },
      now,
    );

    const { files, record } = unzip(built.zip);
    expect(record.facts.map((fact) => fact.type)).to.deep.equal(['ServiceUserRegistered']);
    expect(record.documents.map((document) => document.documentId)).to.deep.equal(['doc-contract']);
    expect(Object.keys(files).filter((path) => path.startsWith('documents/'))).to.have.length(1);
    expect(strFromU8(files['dossier.json']!)).not.to.contain('tension');
  });

  it('gives a personne de confiance their own designation, not the one they replaced nor why it was revoked', async () => {
    // given a record where a first trusted person was revoked, then the requester designated
    const withDesignations: RecordExportSources = {
      ...sources,
      facts: async () => [
        fact('TrustedPersonDesignated', { trustedPersonId: 'tp-0', person: { lastName: 'DURAND' } }, 1),
        fact('TrustedPersonRevoked', { trustedPersonId: 'tp-0', details: 'conflit familial' }, 2),
        fact('TrustedPersonDesignated', { trustedPersonId: 'tp-1', person: { lastName: 'LEROY' } }, 3),
        fact('TrustedPersonRecordConsultationAllowed', { trustedPersonId: 'tp-1', on: '2026-11-02' }, 4),
      ],
    };

    // when the requester's export is built
    const built = await buildRecordExport(
      withDesignations,
      { ...where, requester: { kind: 'trustedPerson', trustedPersonId: 'tp-1' } },
      now,
    );

    // then only their own designation is in it
    const { files, record } = unzip(built.zip);
    expect(record.facts.map((fact) => fact.type)).to.deep.equal([
      'TrustedPersonDesignated',
      'TrustedPersonRecordConsultationAllowed',
    ]);
    const json = strFromU8(files['dossier.json']!);
    expect(json).to.contain('LEROY');
    expect(json).not.to.contain('DURAND');
    expect(json).not.to.contain('conflit familial');
  });
});
