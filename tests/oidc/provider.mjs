// A real, strict OpenID Connect provider (oidc-provider 9) for Consenso's sign-in tests.
//
//   node provider.mjs PORT REDIRECT_URI
//
// One confidential client "consenso" (client_secret_basic) with PKCE required. Instead of a login page,
// the interaction handler signs in whoever was named last with POST /test/subject {"sub", "email",
// "name"} and grants the scopes asked for. Prints "ready ISSUER" once listening.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map();
let current = { sub: 'nobody', email: 'nobody@example.org', name: 'Nobody' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'consenso',
      client_secret: 'consenso-test-secret',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['consenso-oidc-test-cookie-key'] },
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: true, name: account.name }) };
  },
});

async function interaction(req, res) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  let result;
  if (prompt.name === 'login') {
    accounts.set(current.sub, current);
    result = { login: { accountId: current.sub } };
  } else if (prompt.name === 'consent') {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unexpected prompt ${prompt.name}` };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function setSubject(req, res) {
  let body = '';
  for await (const chunk of req) body += chunk;
  current = JSON.parse(body);
  res.writeHead(204).end();
}

const handle = provider.callback();
const server = createServer((req, res) => {
  let work;
  if (req.url.startsWith('/interaction/')) work = interaction(req, res);
  else if (req.url === '/test/subject' && req.method === 'POST') work = setSubject(req, res);
  else return handle(req, res);
  work.catch((error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end(String(error));
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
