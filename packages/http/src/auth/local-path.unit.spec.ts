import { expect } from 'chai';
import { localPath } from './local-path.js';

describe('localPath', () => {
  it('keeps a path of this server with its query and fragment', () => {
    // when
    const kept = [localPath('/'), localPath('/usagers/42?onglet=suivi#notes'), localPath('/a/../b')];

    // then
    expect(kept).to.deep.equal(['/', '/usagers/42?onglet=suivi#notes', '/b']);
  });

  it('refuses anything that could lead elsewhere', () => {
    // given
    const attempts = [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/\t/evil.example',
      'usagers/42',
      '',
      undefined,
      ['/a', '/b'],
      `/${'a'.repeat(3000)}`,
    ];

    // when
    const accepted = attempts.map(localPath).filter((path) => path !== undefined);

    // then
    expect(accepted).to.deep.equal([]);
  });
});
