/** A login that must not open a session. `detail` is French and shown to the professional as is. */
export class AuthenticationRefused extends Error {
  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = 'AuthenticationRefused';
  }
}
