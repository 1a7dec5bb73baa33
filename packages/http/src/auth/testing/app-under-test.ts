import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';

export interface AppUnderTest {
  app: Express;
  url: URL;
  stop(): Promise<void>;
}

/** An Express app listening on 127.0.0.1 before its routes are mounted, so that they can know its URL. */
export async function startApp(): Promise<AppUnderTest> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    app,
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
