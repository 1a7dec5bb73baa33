/**
 * A business rule refused a command. The message is for staff and is in French;
 * `code` is stable and meant for programs (and for the problem `type` over HTTP).
 */
export class DomainRuleViolation extends Error {
  override readonly name = 'DomainRuleViolation';
  constructor(
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
