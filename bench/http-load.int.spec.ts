import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { runLoad } from './http-load.js';

describe('the HTTP load of the benchmark', () => {
  let server: Server;
  let url: string;
  beforeEach(async () => {
    // a server that answers every request 20 ms after it came
    server = createServer((_request, response) => {
      setTimeout(() => response.end('{}'), 20);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('times a round of so many requests from the first sent to the last answered, not to the next whole second', async () => {
    // given 4 connections that each send 10 requests of 20 ms one after the other: about 0.2 s
    const next = () => ({ kind: 'ping', method: 'GET' as const, path: '/', token: 'jeton' });

    // when
    const startedAt = performance.now();
    const round = await runLoad(url, { connections: 4, requests: 40, next });
    const wallSeconds = (performance.now() - startedAt) / 1000;

    // then every request is counted, and the rate is 40 over the round's own time (autocannon's
    // duration, a whole second at least, would say about 40 per second)
    expect(round.ok).to.equal(40);
    expect(round.failed).to.equal(0);
    expect(round.elapsedSeconds).to.be.above(0.18).and.at.most(wallSeconds);
    expect(round.okPerSecond).to.be.closeTo(40 / round.elapsedSeconds, 1e-9);
    expect(round.okPerSecond).to.be.above(100);
  });
});
