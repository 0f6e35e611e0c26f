// What the node clients of the WebSocket protocols share: counted checks, JSON comparison,
// an inbox of received messages to await in order, and the one-line JSON summary they print.

export const REPLY_MS = 5000;

/** Failed checks, as text. */
export const failures = [];
/** Checks made so far. */
export let checks = 0;

/** Counts a check; records `what` (with `detail`) when it failed. */
export function check(ok, what, detail) {
  checks += 1;
  if (!ok) failures.push(detail === undefined ? what : `${what}: ${JSON.stringify(detail)}`);
  return ok;
}

/** Canonical JSON (keys sorted), so equal objects compare equal whatever their key order. */
const canon = (v) =>
  Array.isArray(v)
    ? `[${v.map(canon).join(",")}]`
    : v && typeof v === "object"
      ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`
      : JSON.stringify(v);
export const same = (a, b) => canon(a) === canon(b);
export const isText = (v) => typeof v === "string" && v.length > 0;
export const keysOf = (o) => (o && typeof o === "object" ? Object.keys(o).sort() : []);

/** Messages as they arrive, awaited one by one; `null` once the socket closed. */
export class Inbox {
  constructor() {
    this.inbox = [];
    this.waiting = null;
    this.closed = false;
    this.log = [];
  }

  deliver(message) {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(message);
    } else {
      this.inbox.push(message);
    }
  }

  /** The next message (null when the socket closed), within `ms`. */
  next(ms = REPLY_MS) {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`no reply within ${ms} ms (seen: ${this.log.join(", ")})`));
      }, ms);
      this.waiting = { resolve: (m) => (clearTimeout(timer), resolve(m)) };
    });
  }
}

/** Runs `main` (whose result joins the summary), prints `{ok, checks, failures, …}` and exits
 * 1 when a check failed or it threw. `baseUrl` comes from the variable `envName`. */
export async function run(envName, baseUrl, main) {
  try {
    if (!baseUrl) throw new Error(`set ${envName}, e.g. ws://127.0.0.1:8080`);
    if (typeof WebSocket !== "function") throw new Error("no global WebSocket: run node --experimental-websocket");
    const summary = await main();
    const ok = failures.length === 0;
    console.log(JSON.stringify({ ok, checks, failures, ...summary }));
    process.exit(ok ? 0 : 1);
  } catch (error) {
    console.log(JSON.stringify({ ok: false, checks, failures: [...failures, `threw: ${error && error.stack}`] }));
    process.exit(1);
  }
}
