import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A raw connection, so that the test knows which socket each request travels on. */
class RawConnection {
  readonly #socket: Socket;
  #received = '';
  closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#received += chunk;
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket))).on('error', reject);
    });
  }

  /** Sends a keep-alive GET and waits for its status line; undefined if the connection closes, or nothing comes within 5 s. */
  async get(path: string): Promise<string | undefined> {
    this.#received = '';
    this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
    for (let waited = 0; waited < 5_000 && !this.closed; waited += 10) {
      const statusLine = this.#received.split('\r\n')[0];
      if (statusLine?.startsWith('HTTP/1.1 ')) return statusLine;
      await sleep(10);
    }
    return undefined;
  }

  end(): void {
    this.#socket.destroy();
  }
}

describe('keep-alive (e2e)', () => {
  it('keeps an idle connection longer than Node.js’s 5 seconds, for a load balancer that reuses it', async function () {
    this.timeout(20_000);
    // given a connection that has answered a request
    const shell = await startShell();
    const connection = await RawConnection.open(shell.url);
    expect(await connection.get('/health')).to.equal('HTTP/1.1 200 OK');

    // when it stays idle past Node.js's default keep-alive timeout
    await sleep(6_000);

    // then the next request on it is answered
    expect(connection.closed, 'closed by the server while idle').to.equal(false);
    expect(await connection.get('/health')).to.equal('HTTP/1.1 200 OK');
    connection.end();
    await shell.close();
  });

  it('closes an idle connection once the keep-alive timeout it was given has passed', async () => {
    // given a server that keeps idle connections 300 ms, and a connection that has answered a request
    const shell = await startShell({ keepAliveTimeoutMs: 300 });
    const connection = await RawConnection.open(shell.url);
    expect(await connection.get('/health')).to.equal('HTTP/1.1 200 OK');

    // when it stays idle past that
    await sleep(1_500);

    // then the server has closed it
    expect(connection.closed).to.equal(true);
    await shell.close();
  });
});
