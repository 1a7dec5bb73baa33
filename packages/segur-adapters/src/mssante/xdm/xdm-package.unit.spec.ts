import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { buildCdaDocument } from '../../cda/build-cda-document.js';
import { CDA_DOCUMENT_TYPES } from '../../cda/cda-document-types.js';
import { exampleCdaInput, examplePatient } from '../../testing/cda-examples.js';
import { readSubmitObjectsRequest } from '../../xds/read-submit-objects-request.js';
import { xdsDocumentEntryOf } from '../../xds/xds-document-entry.js';
import { readXdmPackage, XdmPackageRefused, type XdmRefusalReason } from './read-xdm-package.js';
import { buildXdmPackage, type XdmPackageInput } from './xdm-package.js';

const project = exampleCdaInput();
const synthesis = exampleCdaInput({
  id: { root: '2.25.42' },
  type: CDA_DOCUMENT_TYPES.synthesis,
  title: 'Fiche de synthèse',
});
const packageInput = (patient = examplePatient('qualified')): XdmPackageInput => {
  const documents = [
    { ...project, patient },
    { ...synthesis, patient },
  ].map((input) => ({ entry: xdsDocumentEntryOf(input), content: Buffer.from(buildCdaDocument(input), 'utf8') }));
  return {
    submission: {
      id: '2.25.777',
      sourceId: '2.25.888',
      submissionTime: new Date('2024-07-02T08:00:00Z'),
      author: documents[0]?.entry.author ?? { institutions: [] },
      contentType: {
        code: project.type.code,
        codingScheme: project.type.codeSystem,
        displayName: project.type.displayName,
      },
    },
    documents,
    sender: { organisation: 'CSAPA Les Tilleuls', software: 'DUI-PDS', softwareVersion: '0.1.0' },
  };
};
const refusal = (archive: Uint8Array, limits?: Parameters<typeof readXdmPackage>[1]): XdmRefusalReason | undefined => {
  try {
    readXdmPackage(archive, limits);
  } catch (error) {
    if (error instanceof XdmPackageRefused) return error.reason;
    throw error;
  }
  return undefined;
};

describe('an IHE XDM archive (IHE_XDM.ZIP)', () => {
  it('holds INDEX.HTM, README.TXT, METADATA.XML and the documents, each entry naming its file, hash and size', () => {
    // given two CDA documents of a usager
    const input = packageInput();
    // when they are packed
    const files = unzipSync(buildXdmPackage(input));
    // then the medium has the IHE layout
    expect(
      Object.keys(files)
        .filter((name) => !name.endsWith('/'))
        .sort(),
    ).to.deep.equal([
      'IHE_XDM/SUBSET01/DOC0001.XML',
      'IHE_XDM/SUBSET01/DOC0002.XML',
      'IHE_XDM/SUBSET01/METADATA.XML',
      'INDEX.HTM',
      'README.TXT',
    ]);
    expect(strFromU8(files['INDEX.HTM'] as Uint8Array)).to.contain('href="IHE_XDM/SUBSET01/DOC0001.XML"');
    expect(strFromU8(files['README.TXT'] as Uint8Array)).to.contain('CSAPA Les Tilleuls');
    // and METADATA.XML is the submission, each DocumentEntry pointing at its document
    const submission = readSubmitObjectsRequest(strFromU8(files['IHE_XDM/SUBSET01/METADATA.XML'] as Uint8Array));
    expect(submission.id).to.equal('2.25.777');
    submission.entries.forEach((entry, index) => {
      const content = files[`IHE_XDM/SUBSET01/DOC000${index + 1}.XML`] as Uint8Array;
      expect(entry.uri).to.equal(`DOC000${index + 1}.XML`);
      expect(entry.size).to.equal(content.length);
      expect(entry.hash).to.equal(createHash('sha1').update(content).digest('hex'));
      expect(entry.patientIdIsIns).to.equal(true);
    });
    expect(submission.entries.map((entry) => entry.title)).to.deep.equal(['Projet personnalisé', 'Fiche de synthèse']);
  });

  it('reads back what it packed: the submission and each document’s bytes', () => {
    const input = packageInput(examplePatient('not-qualified'));
    const [subset, ...others] = readXdmPackage(buildXdmPackage(input));
    expect(others).to.have.length(0);
    expect(subset?.path).to.equal('IHE_XDM/SUBSET01');
    expect(subset?.documents.map((document) => document.content.toString('utf8'))).to.deep.equal(
      input.documents.map((document) => document.content.toString('utf8')),
    );
    expect(subset?.documents.every((document) => !document.entry.patientIdIsIns)).to.equal(true);
  });

  it('is the same bytes for the same submission, whenever it is built', () => {
    // given two builds at two different times (the zip library dates what it is not told to by the clock)
    const realNow = Date.now;
    let first: Buffer;
    let second: Buffer;
    try {
      Date.now = () => Date.parse('2030-01-01T00:00:00Z');
      first = buildXdmPackage(packageInput());
      Date.now = () => Date.parse('2031-06-15T12:34:56Z');
      second = buildXdmPackage(packageInput());
    } finally {
      Date.now = realNow;
    }

    // then
    expect(first.equals(second)).to.equal(true);
  });

  it('refuses what is not a safe medium: not a zip, too large, a path that leaves, no metadata, a missing or altered document', () => {
    const files = unzipSync(buildXdmPackage(packageInput()));
    const repacked = (change: (copy: Record<string, Uint8Array>) => void) => {
      const copy = { ...files };
      change(copy);
      return zipSync(copy);
    };
    expect(refusal(strToU8('pas une archive'))).to.equal('not-a-zip');
    expect(
      refusal(buildXdmPackage(packageInput()), { maxArchiveBytes: 100, maxContentBytes: 1e9, maxFiles: 100 }),
    ).to.equal('too-large');
    expect(
      refusal(buildXdmPackage(packageInput()), { maxArchiveBytes: 1e9, maxContentBytes: 100, maxFiles: 100 }),
    ).to.equal('too-large');
    expect(
      refusal(
        repacked((copy) => {
          copy['../../etc/passwd'] = strToU8('x');
        }),
      ),
    ).to.equal('unsafe-path');
    expect(
      refusal(
        repacked((copy) => {
          copy['IHE_XDM/SUBSET01/..\\..\\evil'] = strToU8('x');
        }),
      ),
    ).to.equal('unsafe-path');
    expect(
      refusal(
        repacked((copy) => {
          delete copy['IHE_XDM/SUBSET01/METADATA.XML'];
        }),
      ),
    ).to.equal('metadata-missing');
    expect(
      refusal(
        repacked((copy) => {
          copy['IHE_XDM/SUBSET01/METADATA.XML'] = strToU8('<pas-xds/>');
        }),
      ),
    ).to.equal('metadata-malformed');
    expect(
      refusal(
        repacked((copy) => {
          delete copy['IHE_XDM/SUBSET01/DOC0002.XML'];
        }),
      ),
    ).to.equal('document-missing');
    expect(
      refusal(
        repacked((copy) => {
          copy['IHE_XDM/SUBSET01/DOC0001.XML'] = strToU8(
            `${strFromU8(copy['IHE_XDM/SUBSET01/DOC0001.XML'] as Uint8Array)} `,
          );
        }),
      ),
    ).to.equal('document-altered');
  });

  it('reads names written in lower case by other systems', () => {
    const files = unzipSync(buildXdmPackage(packageInput()));
    const lower = Object.fromEntries(Object.entries(files).map(([name, content]) => [name.toLowerCase(), content]));
    expect(readXdmPackage(zipSync(lower))[0]?.documents).to.have.length(2);
  });
});
