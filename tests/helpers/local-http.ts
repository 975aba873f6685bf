import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalListener {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops the server and drops open connections; calling it again returns the same promise. */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 at a free port. */
export async function listenLocal(server: Server): Promise<LocalListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
