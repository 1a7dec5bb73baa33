import { type DocumentEvent, type DocumentSigner, documentStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { documentsProjection } from './documents-projection.js';
import { blobsOfServiceUser, contentOwners, documentById, documentsOfServiceUser } from './documents-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const caarud = '750000002';
const contract = '0195f0a0-0000-7000-8000-0000000000d1';
const letter = '0195f0a0-0000-7000-8000-0000000000d2';
const othersLetter = '0195f0a0-0000-7000-8000-0000000000d3';
const hash = (digit: string) => digit.repeat(64);
const director: DocumentSigner = { kind: 'professional', professionalId: 'pro-director', role: 'director' };
const usagerByHand: DocumentSigner = {
  kind: 'serviceUser',
  method: 'handwritten',
  witnessedBy: 'pro-director',
  signatureImageSha256: hash('e'),
};

function stream(documentId: string, serviceUserId: string, events: DocumentEvent[], organisation = organisationId) {
  return events.map(
    (event): GivenEvent => ({
      type: event.type,
      data: event.data,
      streamId: documentStreamId(organisation, documentId),
      metadata: { organisationId: organisation, facilityId: csapa, serviceUserId },
    }),
  );
}
const stored = (
  documentId: string,
  serviceUserId: string,
  contentSha256: string,
  overrides: { facilityId?: string; storedAt?: string; title?: string } = {},
): DocumentEvent => ({
  type: 'DocumentStored',
  data: {
    documentId,
    serviceUserId,
    facilityId: overrides.facilityId ?? csapa,
    kind: 'stayContract',
    title: overrides.title ?? 'Contrat de séjour',
    sensitivity: 'administrative',
    source: 'generated',
    authorId: 'pro-director',
    storedAt: overrides.storedAt ?? '2026-03-20T10:00:00.000Z',
    version: { version: 1, contentSha256, byteLength: 2048, mediaType: 'application/pdf', fileName: 'contrat.pdf' },
  },
});
const versionAdded = (documentId: string, version: number, contentSha256: string): DocumentEvent => ({
  type: 'DocumentVersionAdded',
  data: {
    documentId,
    version: { version, contentSha256, byteLength: 4096, mediaType: 'application/pdf', fileName: 'contrat-v2.pdf' },
    authorId: 'pro-doctor',
    addedAt: '2026-03-21T10:00:00.000Z',
  },
});
const signed = (documentId: string, version: number, contentSha256: string, signer: DocumentSigner): DocumentEvent => ({
  type: 'DocumentSigned',
  data: { documentId, version, contentSha256, signedAt: '2026-03-22T10:00:00.000Z', signer },
});

/** A contract in two versions signed by the director and by hand by the usager, shared; a letter in the CAARUD. */
const usagerOneDocuments = [
  ...stream(contract, 'usager-1', [
    stored(contract, 'usager-1', hash('a')),
    versionAdded(contract, 2, hash('b')),
    signed(contract, 2, hash('b'), director),
    signed(contract, 2, hash('b'), usagerByHand),
    {
      type: 'DocumentSharedWithServiceUser',
      data: { documentId: contract, sharedBy: 'pro-director', sharedAt: '2026-03-23T10:00:00.000Z' },
    },
  ]),
  ...stream(letter, 'usager-1', [
    stored(letter, 'usager-1', hash('c'), {
      facilityId: caarud,
      storedAt: '2026-03-25T10:00:00.000Z',
      title: 'Courrier',
    }),
  ]),
];
/** Another usager's letter with the same bytes as the first version of the contract (deduplicated). */
const usagerTwoDocuments = stream(othersLetter, 'usager-2', [stored(othersLetter, 'usager-2', hash('a'))]);

describe('the documents projection', () => {
  const spec = ProjectionSpecification.for(documentsProjection);
  after(() => spec.close());

  it('gives a document with its versions, its signatures in order and its share', async () => {
    // given
    const schema = await spec.modelAfter([...usagerOneDocuments, ...usagerTwoDocuments]);

    // when
    const document = await documentById(spec.db, schema, organisationId, contract);

    // then
    expect(document).to.deep.include({
      organisationId,
      documentId: contract,
      serviceUserId: 'usager-1',
      facilityId: csapa,
      kind: 'stayContract',
      sensitivity: 'administrative',
      source: 'generated',
      signatureCount: 2,
      signed: true,
      sharedWithServiceUser: true,
      sharedAt: '2026-03-23T10:00:00.000Z',
      revision: 4,
    });
    expect(document?.latestVersion.version).to.equal(2);
    expect(
      document?.versions.map((version) => [version.version, version.contentSha256, version.authorId]),
    ).to.deep.equal([
      [1, hash('a'), 'pro-director'],
      [2, hash('b'), 'pro-doctor'],
    ]);
    expect(document?.signatures).to.deep.equal([
      { index: 0, version: 2, contentSha256: hash('b'), signedAt: '2026-03-22T10:00:00.000Z', signer: director },
      { index: 1, version: 2, contentSha256: hash('b'), signedAt: '2026-03-22T10:00:00.000Z', signer: usagerByHand },
    ]);
    expect(await documentById(spec.db, schema, 'og-2', contract)).to.equal(undefined);
  });

  it('lists a usager’s documents newest first, by ESSMS, or only those shared with them', async () => {
    // given
    const schema = await spec.modelAfter([...usagerOneDocuments, ...usagerTwoDocuments]);
    const where = { organisationId, serviceUserId: 'usager-1' };

    // when
    const all = await documentsOfServiceUser(spec.db, schema, where);
    const inCsapa = await documentsOfServiceUser(spec.db, schema, { ...where, facilityId: csapa });
    const shared = await documentsOfServiceUser(spec.db, schema, { ...where, sharedOnly: true });

    // then
    expect(all.map((document) => [document.documentId, document.latestVersion.version])).to.deep.equal([
      [letter, 1],
      [contract, 2],
    ]);
    expect(inCsapa.map((document) => document.documentId)).to.deep.equal([contract]);
    expect(shared.map((document) => document.documentId)).to.deep.equal([contract]);
  });

  it('withdraws a share', async () => {
    const schema = await spec.modelAfter([
      ...usagerOneDocuments,
      ...stream(contract, 'usager-1', [
        {
          type: 'DocumentShareWithdrawn',
          data: { documentId: contract, withdrawnBy: 'pro-director', withdrawnAt: '2026-03-24T10:00:00.000Z' },
        },
      ]),
    ]);
    const document = await documentById(spec.db, schema, organisationId, contract);
    expect([document?.sharedWithServiceUser, document?.sharedAt]).to.deep.equal([false, null]);
  });

  it('names the blobs of a usager, and which another usager’s document shares', async () => {
    // given usager-2's letter has the bytes of the contract's first version
    const schema = await spec.modelAfter([...usagerOneDocuments, ...usagerTwoDocuments]);

    // when
    const ofTheFirst = await blobsOfServiceUser(spec.db, schema, organisationId, 'usager-1');
    const ofTheOther = await blobsOfServiceUser(spec.db, schema, organisationId, 'usager-2');

    // then every version and the signature image, the first version shared
    expect(ofTheFirst).to.deep.equal([
      { sha256: hash('a'), sharedWithOthers: true },
      { sha256: hash('b'), sharedWithOthers: false },
      { sha256: hash('c'), sharedWithOthers: false },
      { sha256: hash('e'), sharedWithOthers: false },
    ]);
    expect(ofTheOther).to.deep.equal([{ sha256: hash('a'), sharedWithOthers: true }]);
  });

  it('walks every content and its owners in pages, in the order of the hashes', async () => {
    // given the documents of two usagers of one organisation, and one of another
    const schema = await spec.modelAfter([
      ...usagerOneDocuments,
      ...usagerTwoDocuments,
      ...stream(contract, 'usager-9', [stored(contract, 'usager-9', hash('a'))], 'og-2'),
    ]);

    // when read two contents at a time
    const first = await contentOwners(spec.db, schema, { limit: 2 });
    const second = await contentOwners(spec.db, schema, { after: first.at(-1)?.sha256, limit: 2 });
    const third = await contentOwners(spec.db, schema, { after: second.at(-1)?.sha256, limit: 2 });

    // then each content once, with every usager referencing it
    expect([...first, ...second, ...third]).to.deep.equal([
      {
        sha256: hash('a'),
        owners: [
          { organisationId, serviceUserId: 'usager-1' },
          { organisationId, serviceUserId: 'usager-2' },
          { organisationId: 'og-2', serviceUserId: 'usager-9' },
        ],
      },
      { sha256: hash('b'), owners: [{ organisationId, serviceUserId: 'usager-1' }] },
      { sha256: hash('c'), owners: [{ organisationId, serviceUserId: 'usager-1' }] },
      { sha256: hash('e'), owners: [{ organisationId, serviceUserId: 'usager-1' }] },
    ]);
    expect(third).to.have.length(0);
  });

  it('counts as shared a blob that a usager of another organisation references', async () => {
    const schema = await spec.modelAfter([
      ...usagerTwoDocuments,
      ...stream(letter, 'usager-2', [stored(letter, 'usager-2', hash('f'))], 'og-2'),
      ...stream(contract, 'usager-9', [stored(contract, 'usager-9', hash('a'))], 'og-2'),
    ]);
    expect(await blobsOfServiceUser(spec.db, schema, organisationId, 'usager-2')).to.deep.equal([
      { sha256: hash('a'), sharedWithOthers: true },
    ]);
    expect(await blobsOfServiceUser(spec.db, schema, 'og-2', 'usager-2')).to.deep.equal([
      { sha256: hash('f'), sharedWithOthers: false },
    ]);
  });

  it('forgets a usager’s documents when their events arrive erased, keeping the others', async () => {
    // given every event of usager-1 as a rebuild reads them after crypto-shredding
    const schema = await spec.modelAfter([...usagerOneDocuments.map((event) => erased(event)), ...usagerTwoDocuments]);

    // then nothing of usager-1 is left, in any table, and usager-2 is untouched
    for (const table of ['documents', 'document_versions', 'document_signatures']) {
      const rows = await spec.db.withSchema(schema).from(table).where({ service_user_id: 'usager-1' });
      expect(rows, table).to.deep.equal([]);
    }
    expect(await documentsOfServiceUser(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })).to.deep.equal(
      [],
    );
    expect(
      (await documentsOfServiceUser(spec.db, schema, { organisationId, serviceUserId: 'usager-2' })).map(
        (document) => document.documentId,
      ),
    ).to.deep.equal([othersLetter]);
  });

  it('removes a usager’s rows when an erased event follows readable ones', async () => {
    const schema = await spec.modelAfter([
      ...usagerOneDocuments,
      erased(usagerOneDocuments[0]!),
      ...usagerTwoDocuments,
    ]);
    for (const table of ['documents', 'document_versions', 'document_signatures']) {
      const rows = await spec.db.withSchema(schema).from(table).where({ service_user_id: 'usager-1' });
      expect(rows, table).to.deep.equal([]);
    }
  });
});
