import { expect } from 'chai';
import type { Request } from 'express';
import { sessionTokenOf } from './session-transport.js';

describe('sessionTokenOf', () => {
  function request(headers: Record<string, string>): Request {
    return { get: (name: string) => headers[name.toLowerCase()] } as Request;
  }

  it('takes the bearer token over the cookie, and the cookie otherwise', () => {
    // when
    const both = sessionTokenOf(request({ authorization: 'Bearer from-header', cookie: 'dui_session=from-cookie' }));
    const cookieOnly = sessionTokenOf(request({ cookie: 'theme=dark; dui_session=from-cookie' }));
    const basic = sessionTokenOf(request({ authorization: 'Basic dXNlcjpwYXNz', cookie: 'dui_session=from-cookie' }));
    const none = sessionTokenOf(request({}));

    // then
    expect([both, cookieOnly, basic, none]).to.deep.equal(['from-header', 'from-cookie', 'from-cookie', undefined]);
  });
});
