/**
 * Headless Chromium for tests (Debian's `chromium` package): find it
 * (installing it when missing and running as root), run it once on a URL
 * (`--screenshot`, `--dump-dom`), or open a page and drive it over the
 * DevTools protocol ({@link HeadlessPage}). Each run gets its own temporary
 * profile, removed afterwards.
 *
 * @module
 */

/** Flags of every run: no sandbox (root), no GPU, none of Chromium's own background traffic. */
export const BASE_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-extensions",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** A run that hangs is killed after this (a guard, not an assertion). */
export const HANG_MS = 180_000;

async function works(bin: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(bin, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/**
 * The chromium binary; when missing and running as root, `apt-get install -y chromium` first.
 * null: absent and not installable.
 */
export async function chromiumPath(): Promise<string | null> {
  for (const bin of ["chromium", "/usr/bin/chromium"]) if (await works(bin)) return bin;
  if (Deno.uid?.() !== 0) return null;
  console.warn("chromium.ts: chromium missing, installing Debian's chromium package");
  try {
    await new Deno.Command("apt-get", {
      args: ["install", "-y", "-qq", "--no-install-recommends", "chromium"],
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "inherit",
    }).output();
  } catch {
    return null;
  }
  return (await works("chromium")) ? "chromium" : null;
}

async function removeProfile(dir: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    try {
      await Deno.remove(dir, { recursive: true });
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      await new Promise((r) => setTimeout(r, 200)); // chromium's children may still write
    }
  }
}

/** Runs headless chromium once on `url` with `args` added; its stdout (e.g. --dump-dom). */
export async function chromiumRun(
  bin: string,
  url: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  try {
    const r = await new Deno.Command(bin, {
      args: [...BASE_FLAGS, `--user-data-dir=${profile}`, ...args, url],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(HANG_MS),
    }).output();
    const dec = new TextDecoder();
    return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
  } finally {
    await removeProfile(profile);
  }
}

/** A page in a headless chromium, driven over the DevTools protocol. */
export class HeadlessPage {
  #next = 1;
  #waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  #events = new Map<string, (() => void)[]>();
  #stderr: Promise<void>;

  private constructor(
    private child: Deno.ChildProcess,
    private ws: WebSocket,
    private profile: string,
    stderr: Promise<void>,
  ) {
    this.#stderr = stderr;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (msg.method) {
        for (const f of this.#events.get(msg.method) ?? []) f();
        this.#events.delete(msg.method);
        return;
      }
      const w = msg.id !== undefined ? this.#waiting.get(msg.id) : undefined;
      if (!w) return;
      this.#waiting.delete(msg.id);
      if (msg.error) w.fail(new Error(`devtools: ${msg.error.message}`));
      else w.ok(msg.result);
    };
  }

  /** Opens `url` in a new headless chromium (window `width` x `height`). */
  static async open(
    bin: string,
    url: string,
    o: { width?: number; height?: number } = {},
  ): Promise<HeadlessPage> {
    const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
    const child = new Deno.Command(bin, {
      args: [
        ...BASE_FLAGS,
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        `--window-size=${o.width ?? 1280},${o.height ?? 2000}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr, then drain it
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let port = 0;
    const guard = setTimeout(() => child.kill("SIGKILL"), HANG_MS);
    while (!port) {
      const { value, done } = await reader.read();
      if (done) {
        clearTimeout(guard);
        await child.status;
        await removeProfile(profile);
        throw new Error(`chromium exited before its DevTools port: ${seen.slice(-300)}`);
      }
      seen += value;
      const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(seen);
      if (m) port = Number(m[1]);
    }
    clearTimeout(guard);
    const drain = (async () => {
      while (!(await reader.read()).done) { /* chromium's log lines */ }
    })();
    // deno-lint-ignore no-explicit-any
    let targets: any[] = [];
    for (let i = 0; i < 100 && !targets.some((t) => t.type === "page"); i++) {
      targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      if (!targets.some((t) => t.type === "page")) await new Promise((r) => setTimeout(r, 100));
    }
    const page = targets.find((t) => t.type === "page");
    if (!page) throw new Error("chromium: no page target");
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise<void>((ok, fail) => {
      ws.onopen = () => ok();
      ws.onerror = () => fail(new Error("devtools: websocket failed"));
    });
    const p = new HeadlessPage(child, ws, profile, drain);
    await p.send("Page.enable");
    const loaded = p.#once("Page.loadEventFired");
    await p.send("Page.navigate", { url });
    await loaded;
    return p;
  }

  #once(method: string): Promise<void> {
    return new Promise((ok) => this.#events.set(method, [...this.#events.get(method) ?? [], ok]));
  }

  /** A DevTools protocol call. */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#next++;
    return new Promise((ok, fail) => {
      this.#waiting.set(id, { ok, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates `expression` in the page (promises awaited); its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as {
      result: { value: unknown };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) {
      throw new Error(
        `page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`,
      );
    }
    return r.result.value as T;
  }

  /** Waits until the page's `<body>` has `attribute` (polled in the page); false: never, within 60 s. */
  waitFor(attribute: string): Promise<boolean> {
    return this.evaluate<boolean>(`new Promise((ok) => {
      let tries = 2400;
      const f = () => document.body && document.body.hasAttribute(${JSON.stringify(attribute)})
        ? ok(true) : --tries > 0 ? setTimeout(f, 25) : ok(false);
      f();
    })`);
  }

  /** Closes the page and stops its chromium. */
  async close(): Promise<void> {
    try {
      this.ws.close();
    } catch { /* already closed */ }
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    await this.child.status;
    await this.#stderr.catch(() => {});
    await removeProfile(this.profile);
  }
}
