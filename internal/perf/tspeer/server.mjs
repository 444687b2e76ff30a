// The TypeScript SDK + jose server of internal/perf: the TypeScript MCP SDK's
// requireBearerAuth with a jose verifier in front of a stateless,
// JSON-answering streamable HTTP endpoint with the demo's echo tool, and
// the same endpoint without auth. Started by BenchmarkE2E; configured by
// the environment: JWKS (a JWKS document), ISSUER, AUDIENCE, HOST, PORT
// (0: any). Prints "listening HOST:PORT" once ready.
import express from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import * as z from 'zod/v4';

const jwks = createLocalJWKSet(JSON.parse(process.env.JWKS));
const issuer = process.env.ISSUER;
const audience = process.env.AUDIENCE;

// The verifier as jose's documentation suggests: jwtVerify with a local key
// set, issuer, audience and algorithm pinned, 30 s clock tolerance.
const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'], clockTolerance: 30 }));
    } catch {
      throw new InvalidTokenError('invalid token');
    }
    return {
      token,
      clientId: payload.client_id ?? '',
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
      expiresAt: payload.exp,
      extra: { sub: payload.sub },
    };
  },
};

function newServer() {
  const server = new McpServer({ name: 'perf-tspeer', version: '1.0.0' });
  server.registerTool('echo', {
    description: 'Sends the text back.',
    inputSchema: { text: z.string() },
    outputSchema: { text: z.string(), user_id: z.string() },
  }, async ({ text }, extra) => {
    const userId = extra.authInfo?.extra?.sub ?? 'anonymous';
    const out = { text, user_id: userId };
    return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
  });
  return server;
}

// One server and transport per request, as the SDK's stateless example does.
async function handle(req, res) {
  const server = newServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

const app = express();
app.use(express.json());
app.post('/mcp', requireBearerAuth({ verifier }), handle);
app.post('/mcp-noauth', handle);

const listener = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const a = listener.address();
  console.log(`listening ${a.address}:${a.port}`);
});
process.on('SIGTERM', () => listener.close(() => process.exit(0)));
