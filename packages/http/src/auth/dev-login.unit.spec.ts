import { expect } from 'chai';
import { devLoginAllowed } from './dev-login.js';

describe('devLoginAllowed', () => {
  it('allows the development login only when asked for, outside production, on the embedded default', () => {
    // given
    const configurations = [true, false].flatMap((production) =>
      [true, false].flatMap((embedded) => [true, false].map((devLogin) => ({ production, embedded, devLogin }))),
    );

    // when
    const allowed = configurations.filter(devLoginAllowed);

    // then
    expect(allowed).to.deep.equal([{ production: false, embedded: true, devLogin: true }]);
  });
});
