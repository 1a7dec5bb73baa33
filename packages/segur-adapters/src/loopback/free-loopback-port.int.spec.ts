import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { freeLoopbackPort } from './free-loopback-port.js';

describe('a free port for a server started by its port', () => {
  it('is drawn below the ephemeral range, where no outgoing connection takes it, and can be listened on', async () => {
    // given the kernel's ephemeral range
    const [ephemeralStart] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);

    // when ports are drawn
    const ports = await Promise.all(Array.from({ length: 20 }, () => freeLoopbackPort()));

    // then each is below the range, above the usual services, and a server listens on the first
    for (const port of ports) expect(port).to.be.within(10_000, ephemeralStart! - 1);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
