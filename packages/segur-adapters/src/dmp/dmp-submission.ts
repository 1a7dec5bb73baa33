import type { CdaDocumentInput } from '../cda/cda-document-input.js';
import { oidOfUuid } from '../cda/cda-vocabulary.js';
import { xdsHashAndSize } from '../xds/hl7v2-values.js';
import { xdsCode, xdsDocumentEntryOf } from '../xds/xds-document-entry.js';
import type { XdsSubmission } from '../xds/xds-metadata.js';
import type { DmpDocumentContent } from './dmp-port.js';

/** Who may not see the document in the DMP; none of them by default. */
export interface DmpMaskingFlags {
  fromProfessionals?: boolean;
  fromPatient?: boolean;
  fromLegalRepresentatives?: boolean;
}

/**
 * The submission that feeds one CDA document to the DMP: its XDS entry drawn from the same input
 * as the document (with its SHA-1 and size, and the masking flags), in a submission set named by
 * the record's submission id, replacing an entry of the DMP when asked (RPLC). The CDA travels as
 * `text/xml`, its bytes exactly those the hash was computed on.
 */
export function dmpSubmissionOf(
  cda: { xml: string; input: CdaDocumentInput },
  options: {
    /** The record's submission id (a UUID): the submission set's uniqueId is derived from it. */
    submissionId: string;
    /** The OID of the submitting system. */
    sourceId: string;
    submissionTime: Date;
    masked?: DmpMaskingFlags;
    replaces?: { entryUuid: string };
  },
): { submission: XdsSubmission; documents: DmpDocumentContent[] } {
  if (cda.input.patient.identity !== 'qualified') {
    throw new TypeError('dmpSubmissionOf: only a qualified identity’s document is sent to the DMP');
  }
  const content = Buffer.from(cda.xml, 'utf8');
  const { hash, size } = xdsHashAndSize(content);
  const entry = xdsDocumentEntryOf(cda.input, { hash, size, ...(options.masked ? { masked: options.masked } : {}) });
  return {
    submission: {
      id: oidOfUuid(options.submissionId),
      sourceId: options.sourceId,
      submissionTime: options.submissionTime,
      author: entry.author,
      // the JDV_J59 content type of a social or medico-social accompaniment is to confirm: the document's type stands in
      contentType: xdsCode(cda.input.type),
      entries: [entry],
      title: cda.input.title,
      ...(options.replaces === undefined ? {} : { replaces: options.replaces }),
    },
    documents: [{ entryUuid: entry.entryUuid, mimeType: entry.mimeType, content }],
  };
}
