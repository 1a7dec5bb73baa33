import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

describe('graceful shutdown (e2e)', () => {
  it('lets a request in flight finish, refuses new connections, then runs onShutdown', async () => {
    // given: a slow request in flight
    const events: string[] = [];
    const shell: ShellUnderTest = await startShell({
      onShutdown: async () => {
        const answered = shell.logLines.some((line) => line.route === '/attente' && line.statusCode === 200);
        events.push(`onShutdown, the slow request ${answered ? 'answered' : 'still running'}`);
      },
    });
    const slow = shell.fetch('/attente?ms=400').then(async (response) => ({
      status: response.status,
      body: await response.json(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // when
    const closed = shell.close().then(() => events.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await shell.fetch('/health').then(
      () => 'answered',
      () => 'refused',
    );
    const answer = await slow;
    await closed;

    // then
    expect(refused).to.equal('refused');
    expect(answer).to.deep.equal({ status: 200, body: { waitedMs: 400 } });
    expect(events).to.deep.equal(['onShutdown, the slow request answered', 'closed']);
  });

  it('tells a keep-alive connection busy at shutdown to close after its answer', async () => {
    // given: a keep-alive connection, and a slow request on another one so that the server drains
    const shell = await startShell();
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        httpRequest(new URL(path, shell.url), { agent }, (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
          );
        })
          .on('error', reject)
          .end();
      });
    // the keep-alive connection is busy with a slow request when the shutdown starts
    const busy = get('/attente?ms=200');
    await new Promise((resolve) => setTimeout(resolve, 50));

    // when
    const closed = shell.close();
    const busyAnswer = await busy;
    await closed;

    // then
    expect(busyAnswer).to.deep.equal({ status: 200, connection: 'close' });
    agent.destroy();
  });

  it('cuts requests still running at the timeout, then runs onShutdown', async () => {
    // given
    let shutDown = false;
    const shell: ShellUnderTest = await startShell({
      shutdownTimeoutMs: 100,
      onShutdown: async () => {
        shutDown = true;
      },
    });
    const hung = shell.fetch('/attente?ms=5000').then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    // when
    const started = Date.now();
    await shell.close();

    // then
    expect(Date.now() - started).to.be.below(2_000);
    expect(await hung).to.equal('cut');
    expect(shutDown).to.equal(true);
  });
});
