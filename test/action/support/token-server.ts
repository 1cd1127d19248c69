import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the token endpoint received. */
export interface TokenRequest {
  url: string;
  authorization: string | undefined;
}

/** Answers one request; the default answers every request with the token. */
export type TokenAnswer = (req: IncomingMessage, res: ServerResponse) => void;

/** A runner-like OIDC token endpoint on loopback, for the unit tests of the token fetch. */
export interface TokenServer {
  /** Base URL to put in ACTIONS_ID_TOKEN_REQUEST_URL. */
  url: string;
  requests: TokenRequest[];
  /** Answers to use, in order, before falling back to the token. */
  answers: TokenAnswer[];
  close(): Promise<void>;
}

/** Answers with a status and a JSON body. */
export const jsonAnswer =
  (status: number, body: unknown): TokenAnswer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

/** Drops the connection without an answer. */
export const resetAnswer: TokenAnswer = (req) => req.socket.destroy();

/** Starts the endpoint; `onRequest` runs as each request arrives (to record the order). */
export async function startTokenServer(
  token: string,
  onRequest: () => void = () => undefined,
): Promise<TokenServer> {
  const sockets = new Set<Socket>();
  const requests: TokenRequest[] = [];
  const answers: TokenAnswer[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    onRequest();
    (answers.shift() ?? jsonAnswer(200, { value: token }))(req, res);
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    answers,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
