// Headless MCP client for cmd/authkit-demo's end-to-end tests.
//
// Usage: node client.mjs <mcp-url> [--keep-refresh-token] [<client-metadata-url>]
//
// It drives the official TypeScript SDK client through the whole OAuth flow
// exactly as a desktop client would (401 -> protected resource metadata ->
// authorization server metadata -> dynamic client registration -> authorize
// with PKCE S256 and `resource` -> token -> MCP calls), except that the
// "browser" is a fetch that does not follow the redirect: it reads `code`
// and `state` from the Location header. Then it calls admin_echo, which
// needs an extra scope, to exercise step-up (403 insufficient_scope ->
// re-authorize with the challenged scope).
//
// With a client metadata URL it prefers a Client ID Metadata Document, as
// the SDK does when the authorization server advertises
// client_id_metadata_document_supported: that URL is its client_id, and it
// registers nothing.
//
// With --keep-refresh-token it keeps the refresh token the authorization
// server issues, as a desktop client does; the SDK then answers a 403
// insufficient_scope with a refresh (which cannot widen the scope) instead
// of re-authorizing, and a failed admin_echo is reported as admin_echo_error
// instead of failing the run.
//
// It prints one JSON object on stdout and never prints a token. Exit status
// 0 on success, 1 with {"error": "..."} otherwise.

import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const mcpURL = process.argv[2];
const rest = process.argv.slice(3);
const keepRefreshToken = rest.includes('--keep-refresh-token');
const clientMetadataURL = rest.find((a) => !a.startsWith('--')); // optional
if (!mcpURL) {
  console.log(JSON.stringify({ error: 'usage: node client.mjs <mcp-url> [--keep-refresh-token] [<client-metadata-url>]' }));
  process.exit(1);
}

// The redirect URI is never contacted: the authorization server's redirect
// is read, not followed.
const redirectURL = 'http://127.0.0.1:33418/callback';

// Every HTTP exchange, without headers or bodies (so without tokens).
const requests = [];

function record(method, url, status, extra = {}) {
  const u = new URL(url);
  requests.push({ method, url: u.origin + u.pathname, status, ...extra });
}

async function recordingFetch(input, init) {
  const url = input instanceof Request ? input.url : String(input);
  const method = (init && init.method) || (input instanceof Request ? input.method : 'GET');
  const res = await fetch(input, init);
  const extra = {};
  const challenge = res.headers.get('www-authenticate');
  if (challenge) extra.www_authenticate = challenge;
  record(method, url, res.status, extra);
  return res;
}

class HeadlessProvider {
  constructor() {
    this.authorizations = [];
    this.pendingCode = undefined;
    this._state = undefined;
  }
  get redirectUrl() { return redirectURL; }
  // Undefined without the argument: the SDK then registers with DCR.
  get clientMetadataUrl() { return clientMetadataURL; }
  get clientMetadata() {
    return {
      client_name: 'authkit-demo e2e (TypeScript SDK)',
      redirect_uris: [redirectURL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this._state = randomBytes(16).toString('hex');
    return this._state;
  }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; this.registeredClientID = info.client_id; }
  tokens() { return this._tokens; }
  // Refresh tokens are dropped unless --keep-refresh-token: with one
  // stored, the SDK answers a 403 insufficient_scope by refreshing, and a
  // refresh cannot widen the scope (RFC 6749 §6), so step-up would never be
  // reached. A client that keeps no refresh token re-authorizes with the
  // challenged scope.
  saveTokens(tokens) {
    if (keepRefreshToken) {
      this._tokens = tokens;
      this.keptRefreshToken = this.keptRefreshToken || Boolean(tokens.refresh_token);
    } else {
      const { refresh_token: _dropped, ...rest } = tokens;
      this._tokens = rest;
    }
    this.tokenCount = (this.tokenCount || 0) + 1;
  }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }

  async redirectToAuthorization(authorizationURL) {
    const q = authorizationURL.searchParams;
    this.authorizations.push({
      endpoint: authorizationURL.origin + authorizationURL.pathname,
      resource: q.get('resource'),
      scope: q.get('scope'),
      code_challenge_method: q.get('code_challenge_method'),
      has_code_challenge: Boolean(q.get('code_challenge')),
      has_state: Boolean(q.get('state')),
    });
    const res = await fetch(authorizationURL, { redirect: 'manual' });
    record('GET', authorizationURL.href, res.status);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      throw new Error(`authorize answered ${res.status} without a redirect`);
    }
    const back = new URL(location, authorizationURL);
    if (back.searchParams.get('error')) {
      throw new Error(`authorize error: ${back.searchParams.get('error')}`);
    }
    if (back.searchParams.get('state') !== this._state) {
      throw new Error('authorize: state mismatch');
    }
    const code = back.searchParams.get('code');
    if (!code) throw new Error('authorize: no code in the redirect');
    this.pendingCode = code;
  }
}

// withAuth runs op; when the transport asks for authorization it finishes
// the flow with the code the provider kept and runs op again.
async function withAuth(transport, provider, op) {
  try {
    return await op();
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !provider.pendingCode) throw err;
    const code = provider.pendingCode;
    provider.pendingCode = undefined;
    await transport.finishAuth(code);
    return await op();
  }
}

function structured(result) {
  if (result.structuredContent) return result.structuredContent;
  const text = (result.content || []).find((c) => c.type === 'text');
  return text ? JSON.parse(text.text) : null;
}

async function main() {
  const provider = new HeadlessProvider();
  const clientInfo = { name: 'authkit-demo-e2e-ts', version: '1.0.0' };
  let transport = new StreamableHTTPClientTransport(new URL(mcpURL), { authProvider: provider, fetch: recordingFetch });
  let client = new Client(clientInfo);

  try {
    await client.connect(transport);
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !provider.pendingCode) throw err;
    const code = provider.pendingCode;
    provider.pendingCode = undefined;
    await transport.finishAuth(code);
    // Reconnect with a fresh transport and client, as a real client does
    // after the browser round trip.
    transport = new StreamableHTTPClientTransport(new URL(mcpURL), { authProvider: provider, fetch: recordingFetch });
    client = new Client(clientInfo);
    await client.connect(transport);
  }

  const tools = (await client.listTools()).tools.map((t) => t.name).sort();
  const whoami = structured(await client.callTool({ name: 'whoami', arguments: {} }));
  const echo = structured(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }));
  let adminEcho = null;
  let adminEchoError;
  try {
    adminEcho = structured(await withAuth(transport, provider, () =>
      client.callTool({ name: 'admin_echo', arguments: { text: 'step up' } })));
  } catch (err) {
    if (!keepRefreshToken) throw err;
    adminEchoError = String((err && err.message) || err);
  }
  const whoamiAfter = structured(await client.callTool({ name: 'whoami', arguments: {} }));
  await client.close();

  return {
    ok: true,
    protocol_version: transport.protocolVersion,
    kept_refresh_token: Boolean(provider.keptRefreshToken),
    registered_client: Boolean(provider.registeredClientID),
    client_id: provider.registeredClientID,
    token_count: provider.tokenCount || 0,
    authorizations: provider.authorizations,
    tools,
    whoami,
    echo,
    admin_echo: adminEcho,
    admin_echo_error: adminEchoError,
    whoami_after_step_up: whoamiAfter,
    requests,
  };
}

const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timed out after 30s', requests }));
  process.exit(1);
}, 30000);
timer.unref();

main().then(
  (out) => { console.log(JSON.stringify(out)); process.exit(0); },
  (err) => { console.log(JSON.stringify({ error: String(err && err.stack || err), requests })); process.exit(1); },
);
