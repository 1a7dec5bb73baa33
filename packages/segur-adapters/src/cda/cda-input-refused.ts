/**
 * A CDA document the CI-SIS rules forbid: an anonymous usager, an identity whose traits are not the
 * strict traits, a custodian not named by its FINESS, a body that is not a PDF... The message is
 * French (staff read it); `code` says which rule, for callers and tests.
 */
export class CdaInputRefused extends Error {
  override readonly name = 'CdaInputRefused';
  constructor(
    readonly code: CdaRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export type CdaRefusalCode =
  | 'ANONYMOUS_PATIENT'
  | 'INVALID_IDENTITY'
  | 'INVALID_IDENTIFIER'
  | 'INVALID_CUSTODIAN'
  | 'INVALID_FACILITY'
  | 'INVALID_DATE'
  | 'INVALID_VERSION'
  | 'EMPTY_TITLE'
  | 'BODY_NOT_PDF';
