// The exam-registration platform's OpenID Provider, played in the tests by
// panva's oidc-provider (an OpenID-certified implementation), not by code
// of ours: discovery, signed ID tokens, PKCE, nonce, `iss` in the callback.
// Started by playwright.config.ts and by the router tests
// (server/tests/platform_login.rs): `node end2end/oidc/provider.mjs`.
//
// OIDC_PORT (3190): where it listens; its issuer is http://127.0.0.1:<port>.
// ECERT_CALLBACKS: comma-separated redirect URIs of the ecert client.
//
// The login page is oidc-provider's development interaction: it takes a
// user's login name below (its password field is not checked; checking the
// platform's own passwords is the platform's business), then asks consent.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3190);
const callbacks = (process.env.ECERT_CALLBACKS ?? "http://127.0.0.1:3100/api/platform_callback").split(",");

/** Platform users: login name → the claims the platform releases. */
const users = {
  // First visits: no ecert account yet (one per Playwright project).
  "platform-js": { name: "冯一", id_type: "resident_id", id_number: "110105199303030017" },
  "platform-nojs": { name: "褚二", id_type: "resident_id", id_number: "110105199303030025" },
  // Holders with an ecert account already: linked after its password.
  "platform-wangwu": { name: "王五", id_type: "passport", id_number: "E98765432" },
  "platform-sunba": { name: "孙八", id_type: "居民身份证", id_number: "320102198707090038" },
  // For the router tests.
  "platform-router": { name: "卫三", id_type: "resident_id", id_number: "110105199404040011" },
  "platform-zhangsan": { name: "张三", id_type: "resident_id", id_number: "110105198503150019" },
  "platform-noid": { name: "蒋四" },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "ecert",
      client_secret: "ecert-platform-test-secret",
      redirect_uris: callbacks,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    // Another relying party of the same platform (the refusal tests).
    {
      client_id: "other-service",
      client_secret: "other-service-secret",
      redirect_uris: callbacks,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  scopes: ["openid", "profile", "id_document"],
  claims: { openid: ["sub"], profile: ["name"], id_document: ["id_type", "id_number"] },
  pkce: { required: () => true },
  findAccount: (_ctx, id) =>
    users[id] && { accountId: id, claims: () => ({ sub: id, ...users[id] }) },
  cookies: { keys: ["ecert-test-provider-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 600, Session: 600, Grant: 600 },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on http://127.0.0.1:${port}`));
