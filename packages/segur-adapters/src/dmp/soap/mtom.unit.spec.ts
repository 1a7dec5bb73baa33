import { expect } from 'chai';
import fc from 'fast-check';
import { MalformedXml } from '../../xml/xml-document.js';
import {
  attachmentContentId,
  buildMtomMessage,
  cidUrl,
  contentIdOfHref,
  contentTypeParameters,
  isMultipartRelated,
  readMtomMessage,
} from './mtom.js';

const ACTION = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b';
const ENVELOPE = '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>';

describe('MTOM/XOP packaging', () => {
  it('names the root part in the Content-Type, with the SOAP action', () => {
    const { contentType } = buildMtomMessage(ENVELOPE, [], ACTION);
    expect(isMultipartRelated(contentType)).to.equal(true);
    const parameters = contentTypeParameters(contentType);
    expect(parameters.get('type')).to.equal('application/xop+xml');
    expect(parameters.get('start-info')).to.equal('application/soap+xml');
    expect(parameters.get('action')).to.equal(ACTION);
    expect(parameters.get('start')).to.match(/^<.+>$/);
  });

  it('gives back the envelope and every attachment byte for byte, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2_000 }), { maxLength: 4 }), (contents) => {
        const attachments = contents.map((content, index) => ({
          contentId: attachmentContentId(index + 1),
          contentType: 'application/octet-stream',
          body: Buffer.from(content),
        }));
        const message = buildMtomMessage(ENVELOPE, attachments, ACTION);
        const read = readMtomMessage(message.contentType, message.body);
        expect(read.rootXml).to.equal(ENVELOPE);
        expect(read.attachments.size).to.equal(attachments.length);
        for (const attachment of attachments) {
          expect(read.attachments.get(attachment.contentId)?.body.equals(attachment.body)).to.equal(true);
        }
      }),
    );
  });

  it('keeps line breaks at the edges of a document, and draws another boundary when a part holds it', () => {
    const body = Buffer.from('\r\n--MIMEBoundary_x\r\nline\n\r\n', 'utf8');
    const message = buildMtomMessage(ENVELOPE, [{ contentId: 'a@b', contentType: 'text/xml', body }], ACTION);
    const read = readMtomMessage(message.contentType, message.body);
    expect(read.attachments.get('a@b')?.body.equals(body)).to.equal(true);
  });

  it('reads parts written by another client: LF line breaks, base64, no start parameter', () => {
    const raw = [
      '--b1',
      'Content-Type: application/xop+xml; type="application/soap+xml"',
      'Content-ID: <root>',
      '',
      ENVELOPE,
      '--b1',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <doc1>',
      '',
      Buffer.from('%PDF-1.4 bytes').toString('base64'),
      '--b1--',
      '',
    ].join('\n');
    const read = readMtomMessage('multipart/related; boundary=b1; type="application/xop+xml"', Buffer.from(raw));
    expect(read.rootXml).to.equal(ENVELOPE);
    expect(read.attachments.get('doc1')?.body.toString()).to.equal('%PDF-1.4 bytes');
    expect(read.attachments.get('doc1')?.contentType).to.equal('application/pdf');
  });

  it('refuses what is not a multipart message, without quoting it', () => {
    const attempts: [string, string][] = [
      ['application/soap+xml', ENVELOPE],
      ['multipart/related; boundary=b1', 'no boundary here'],
      ['multipart/related; boundary=b1', '--b1\r\nContent-ID: <x>\r\n\r\nnever closed'],
      ['multipart/related', '--b1--'],
    ];
    for (const [contentType, body] of attempts) {
      expect(() => readMtomMessage(contentType, Buffer.from(body)))
        .to.throw(MalformedXml)
        .with.property('message')
        .that.does.not.include('never closed');
    }
  });

  it('names attachments by cid: URLs and reads them back', () => {
    const id = attachmentContentId(3);
    expect(cidUrl(id)).to.equal(`cid:${id}`);
    expect(contentIdOfHref(cidUrl(id))).to.equal(id);
    expect(contentIdOfHref('http://elsewhere')).to.equal(undefined);
  });
});
