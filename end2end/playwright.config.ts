import { defineConfig } from "@playwright/test";
import { launchOptions } from "./chromium.mjs";

// The journeys run twice: with JavaScript (hydrated WASM) and without
// (server-rendered forms only). The server is the release build on its own
// port with a fresh data directory, loaded with the demo data. When
// ECERT_TEST_POSTGRES_URL names a PostgreSQL server (scripts/test.sh starts
// one), the JavaScript journeys run a third time against a second server
// on a fresh PostgreSQL database there.
const port = Number(process.env.ECERT_E2E_PORT ?? 3100);
const postgres = process.env.ECERT_TEST_POSTGRES_URL ?? "";
const postgresPort = port + 1;
// The exam-registration platform's OpenID Provider (oidc-provider, see
// end2end/oidc/provider.mjs), for 使用报名服务平台账号登录.
const oidcPort = port + 90;
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;
const chromium = {
  browserName: "chromium" as const,
  launchOptions,
};

/// The release server as an operator starts it: the portal's administrator
/// is made the way an operator makes one, then it serves.
function server(port: number, dataDir: string, env: Record<string, string>, before = "") {
  return {
    command:
      `${before}rm -rf ${dataDir} && echo 'Portal#2026pw' | ./target/release/server admin create ` +
      "--username admin --name 系统管理员 && ./target/release/server serve",
    cwd: "..",
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      ECERT_DATA_DIR: dataDir,
      ECERT_SEED_DEMO: "true",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      // The QR code on a copy must lead back to this server.
      ECERT_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      // Every check comes from 127.0.0.1; the limit itself is tested in server/tests.
      ECERT_VERIFY_BURST: "1000",
      // Likewise every login and registration (the throttles are tested in server/tests).
      ECERT_LOGIN_PER_MINUTE: "1000",
      ECERT_REGISTRATIONS_PER_MINUTE: "1000",
      ECERT_APPLICATIONS_PER_MINUTE: "1000",
      ECERT_PLATFORM_ISSUER: oidcIssuer,
      ECERT_PLATFORM_CLIENT_ID: "ecert",
      ECERT_PLATFORM_CLIENT_SECRET: "ecert-platform-test-secret",
      ECERT_PLATFORM_SCOPES: "profile,id_document",
      RUST_LOG: "warn",
      ...env,
    },
  };
}

const e2eDatabase = postgres.replace(/\/[^/]*$/, "/ecert_e2e");
const platform = {
  command: "node end2end/oidc/provider.mjs",
  cwd: "..",
  url: `${oidcIssuer}/.well-known/openid-configuration`,
  reuseExistingServer: false,
  timeout: 30_000,
  env: {
    OIDC_PORT: String(oidcPort),
    ECERT_CALLBACKS: [port, postgresPort].map((p) => `http://127.0.0.1:${p}/api/platform_callback`).join(","),
  },
};
const servers = [platform, server(port, "end2end/.data", {})];
if (postgres) {
  servers.push(
    server(
      postgresPort,
      "end2end/.data-postgres",
      { ECERT_DATABASE_URL: e2eDatabase },
      `psql '${postgres}' -qc 'DROP DATABASE IF EXISTS ecert_e2e WITH (FORCE)' -c 'CREATE DATABASE ecert_e2e' && `,
    ),
  );
}

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "js", use: { ...chromium, javaScriptEnabled: true }, testIgnore: /reliability\// },
    { name: "nojs", use: { ...chromium, javaScriptEnabled: false }, testIgnore: /reliability\// },
    // Crash recovery and the soak: each runs its own release server process, once.
    { name: "reliability", testMatch: /reliability\/.*\.spec\.ts/ },
    ...(postgres
      ? [
          {
            name: "postgres",
            use: { ...chromium, javaScriptEnabled: true, baseURL: `http://127.0.0.1:${postgresPort}` },
            testIgnore: /reliability\//,
          },
        ]
      : []),
  ],
  webServer: servers,
});
