// The release server as an operator runs it (its own port and data
// directory, started and killed as a process), holders made the way real
// ones are (certificates loaded with `server import`, accounts registered
// over HTTP), and a cookie-keeping client that calls the server functions
// as the WASM client does. The database is inspected with the sqlite3 CLI,
// independently of the server's code.

import { ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../../..");
const SERVER = path.join(ROOT, "target/release/server");
export const PASSWORD = "Reliab#2026";
export const TERMS = "2026-11";

const running = new Set<Server>();

/** Kills every server a test started (afterEach: a failed test leaves none behind). */
export async function killAll() {
  for (const server of [...running]) await server.kill9();
}

export class Server {
  private proc: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly base: string;

  constructor(readonly dataDir: string, readonly port: number, private env: Record<string, string> = {}) {
    this.base = `http://127.0.0.1:${port}`;
  }

  /** A fresh data directory (the previous run's is removed). */
  static fresh(name: string, port: number, env: Record<string, string> = {}): Server {
    const dir = path.join(ROOT, "end2end", `.${name}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return new Server(dir, port, env);
  }

  private environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ECERT_DATA_DIR: this.dataDir,
      ECERT_SEED_DEMO: "false",
      LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
      ECERT_PUBLIC_BASE_URL: this.base,
      // Every client here is 127.0.0.1: the throttles are tested in server/tests.
      ECERT_LOGIN_PER_MINUTE: "100000",
      ECERT_REGISTRATIONS_PER_MINUTE: "100000",
      ECERT_APPLICATIONS_PER_MINUTE: "100000",
      ECERT_VERIFY_BURST: "100000",
      ECERT_VERIFY_PER_MINUTE: "100000",
      RUST_LOG: "warn",
      ...this.env,
      ...extra,
    };
  }

  /** `server import FILE`: loads certificates (exit status 0 or throws with the report). */
  import(file: string) {
    execFileSync(SERVER, ["import", file], { cwd: ROOT, env: this.environment(), stdio: "pipe" });
  }

  async start(extra: Record<string, string> = {}) {
    const proc = spawn(SERVER, ["serve"], { cwd: ROOT, env: this.environment(extra), stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    running.add(this);
    const log = fs.createWriteStream(path.join(this.dataDir, "server.log"), { flags: "a" });
    proc.stderr?.pipe(log);
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}; see ${this.dataDir}/server.log`);
      try {
        if ((await fetch(`${this.base}/login`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error("server did not start within 30 s");
  }

  get pid(): number {
    if (!this.proc?.pid) throw new Error("not running");
    return this.proc.pid;
  }

  /** `kill -9`: no shutdown of any kind. */
  async kill9() {
    this.proc?.kill("SIGKILL");
    await this.exited;
    this.proc = null;
    running.delete(this);
  }

  /** SIGTERM, as an orchestrator stops it: resolves with the exit status. */
  async stop(): Promise<number | null> {
    this.proc?.kill("SIGTERM");
    const code = await this.exited;
    this.proc = null;
    running.delete(this);
    return code;
  }

  /** Resident memory of the server process, in KiB. */
  rssKiB(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  }

  /** One value from the database, read with the sqlite3 CLI. */
  sql(query: string): string {
    return execFileSync("sqlite3", [path.join(this.dataDir, "ecert.db"), query], { encoding: "utf8" }).trim();
  }

  sqlNumber(query: string): number {
    return Number(this.sql(query));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A resident ID number with a valid GB 11643 check digit; distinct for i < 10,000. */
export function idNumber(i: number): string {
  const birth = new Date(Date.UTC(1970, 0, 1) + ((i * 37) % 10_000) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replaceAll("-", "");
  const body = `110101${ymd}${String(i % 1000).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((acc, d, k) => acc + Number(d) * weights[k], 0);
  return body + "10X98765432"[sum % 11];
}

/** A name the certificate font prints: 测 and the index in 甲乙丙… digits. */
export function holderName(i: number): string {
  const digits = "甲乙丙丁戊己庚辛壬癸";
  return "测" + [...String(i).padStart(3, "0")].map((d) => digits[Number(d)]).join("");
}

/** A CSV of `perHolder` certificates (qualifications 0301, 0401, …) for holders 0..n-1. */
export function certificatesCsv(n: number, perHolder: number): string {
  const rows = ["certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on"];
  const qualifications = ["0301", "0401", "0501", "0601"];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < perHolder; k++) {
      const number = `R${String(i).padStart(5, "0")}${k}`;
      rows.push(`${number},M${number},${holderName(i)},resident_id,${idNumber(i)},${qualifications[k]},,2024-05-20`);
    }
  }
  return rows.join("\n") + "\n";
}

export type Reply = { status: number; body: string; json: () => any };

/** One browser's worth of state: the session cookie, and server-function calls. */
export class Session {
  private cookie = "";

  constructor(readonly base: string) {}

  private keep(response: Response) {
    for (const c of response.headers.getSetCookie()) {
      const pair = c.split(";")[0];
      if (pair.startsWith("ecert_session=")) this.cookie = pair;
    }
  }

  async call(fn: string, form: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${this.base}/api/${fn}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        cookie: this.cookie,
      },
      body: new URLSearchParams(form).toString(),
      redirect: "manual",
    });
    this.keep(response);
    const body = await response.text();
    return { status: response.status, body, json: () => JSON.parse(body) };
  }

  /**
   * A server-function call on a connection of its own, closed after the
   * reply (no keep-alive), so that what happens to this request alone is
   * seen: an answer, a refused connection (`ECONNREFUSED`: nothing was
   * sent), or a reset or cut connection (the request was lost in flight).
   */
  callOnNewConnection(fn: string, form: Record<string, string>): Promise<Reply> {
    const body = new URLSearchParams(form).toString();
    const url = new URL(`${this.base}/api/${fn}`);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "content-length": Buffer.byteLength(body),
            accept: "application/json",
            connection: "close",
            cookie: this.cookie,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c) => chunks.push(c));
          response.on("error", reject);
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: response.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  async get(pathAndQuery: string, accept = "text/html"): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(`${this.base}${pathAndQuery}`, {
      headers: { accept, cookie: this.cookie },
      redirect: "manual",
    });
    this.keep(response);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }
}

/** Registers holder i (whose certificates are loaded), logs in and accepts the terms. */
export async function newHolder(base: string, i: number): Promise<Session> {
  const s = new Session(base);
  const username = `rel${String(i).padStart(5, "0")}`;
  const registered = await s.call("register", {
    username,
    password: PASSWORD,
    password_confirm: PASSWORD,
    real_name: holderName(i),
    id_type: "resident_id",
    id_number: idNumber(i),
    phone: "",
    email: "",
  });
  if (registered.status !== 200) throw new Error(`register ${username}: ${registered.status} ${registered.body}`);
  const login = await s.call("login", { username, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${login.body}`);
  const terms = await s.call("accept_terms", { version: TERMS });
  if (terms.status !== 200) throw new Error(`terms ${username}: ${terms.status} ${terms.body}`);
  return s;
}

// Per holder: three on the first certificate (its whole quota), two on the second.
export const PLAN = [0, 0, 0, 1, 1];

export type Application = { holder: number; certificate: number; key: string; id?: number };

/** Each holder's certificate ids, in ascending order. */
export async function certificateIds(holders: Session[]): Promise<number[][]> {
  const ids: number[][] = [];
  for (const h of holders) {
    const list = (await h.call("certificates")).json();
    ids.push(list.map((c: any) => c.id as number).sort((a: number, b: number) => a - b));
  }
  return ids;
}

/** PLAN's applications for every holder, with form keys `<prefix>-<holder>-<n>`. */
export function planApplications(certificates: number[][], prefix: string): Application[] {
  return certificates.flatMap((ids, i) =>
    PLAN.map((c, k) => ({ holder: i, certificate: ids[c], key: `${prefix}-${i}-${k}` })),
  );
}

/** The form of 提交加注申请 for an application (30 days, 本人调用). */
export function applicationForm(a: Application): Record<string, string> {
  return { certificate_id: String(a.certificate), scenario: "own_use", days: "30", form_key: a.key };
}

/** Runs `tasks` with at most `limit` at a time; each result in order. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const k = next++;
      results[k] = await tasks[k]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export function writeFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
