/**
 * Connection-level behaviour of `listen` over real sockets, with a raw TCP client: idle
 * keep-alive connections, connections that send nothing, half a request or a byte at a time,
 * and a 413 for a body over the limit are all closed by the server; long answers are not cut.
 * Deno (node:http) is held to the configured timeouts; Bun (Bun.serve) to what it offers: an
 * idle timeout in steps of about 4 s, and a fixed ~10 s limit on unfinished requests.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listen } from "./listen.ts";
import { rawExchange, tempService } from "./test_support.ts";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
/** Within how long (ms) after a 1 s timeout the server must have closed: Bun's timer steps are ~4 s. */
const IDLE_BOUND_MS = isBun ? 6_500 : 3_000;
/** Within how long (ms) a connection that never finishes its request must be closed (Bun: fixed ~12 s). */
const UNFINISHED_BOUND_MS = isBun ? 15_000 : 3_000;

/** A handler that reads the body, then answers; `/slow` after 2.5 s; `/stream` an event stream with long gaps. */
async function handler(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  await request.arrayBuffer();
  if (path === "/slow") {
    await new Promise((r) => setTimeout(r, 2_500));
    return new Response("slow but whole");
  }
  if (path === "/stream") {
    const gapMs = isBun ? 5_000 : 2_500; // longer than both timeouts (and than Bun's ~4 s steps)
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 0) await new Promise((r) => setTimeout(r, gapMs));
        controller.enqueue(new TextEncoder().encode(`data: ${sent}\n\n`));
        if (++sent === 2) controller.close();
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  }
  return new Response("ok");
}

describe("listen closes connections that hold a socket without a request", () => {
  test("an idle keep-alive connection is closed after the idle timeout", { timeout: 20_000 }, async () => {
    const server = await listen(handler, { port: 0, idleTimeoutSeconds: 1, requestTimeoutSeconds: 1 });
    try {
      const got = await rawExchange(server.url, {
        send: "GET / HTTP/1.1\r\nHost: test\r\n\r\n",
        waitMs: IDLE_BOUND_MS + 3_000,
      });
      assert.match(got.text, /^HTTP\/1\.1 200/);
      assert.doesNotMatch(got.text, /connection: close/i, "the answer itself keeps the connection alive");
      assert.ok(got.closedMs !== undefined, `still open after ${IDLE_BOUND_MS + 3_000} ms`);
      const idleMs = got.closedMs - got.firstByteMs!;
      assert.ok(idleMs >= 500, `closed ${idleMs} ms after the answer: too soon for a 1 s idle timeout`);
      assert.ok(idleMs <= IDLE_BOUND_MS, `closed ${idleMs} ms after the answer, more than ${IDLE_BOUND_MS}`);
    } finally {
      await server.close(true);
    }
  });

  test("nothing sent, half the headers, half the body, or headers a byte at a time: closed", {
    timeout: 30_000,
  }, async () => {
    const server = await listen(handler, { port: 0, idleTimeoutSeconds: 1, requestTimeoutSeconds: 1 });
    try {
      const waitMs = UNFINISHED_BOUND_MS + 3_000;
      const cases = {
        nothing: rawExchange(server.url, { waitMs }),
        halfHeaders: rawExchange(server.url, { send: "GET / HTTP/1.1\r\nHost: test\r\n", waitMs }),
        halfBody: rawExchange(server.url, {
          send: "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789",
          waitMs,
        }),
        dripped: rawExchange(server.url, {
          send: "GET / HTTP/1.1\r\nHost: test\r\n",
          drip: "X-Slow: " + "a".repeat(200),
          dripEveryMs: 200,
          waitMs,
        }),
      };
      for (const [name, pending] of Object.entries(cases)) {
        const got = await pending;
        assert.ok(got.closedMs !== undefined, `${name}: still open after ${waitMs} ms`);
        assert.ok(got.closedMs <= UNFINISHED_BOUND_MS, `${name}: closed after ${got.closedMs} ms`);
        assert.doesNotMatch(got.text, /^HTTP\/1\.1 200/, `${name}: answered as if the request were whole`);
        if (server.engine === "node:http") assert.match(got.text, /^HTTP\/1\.1 408/, `${name}: a 408 first`);
      }
    } finally {
      await server.close(true);
    }
  });
});

describe("listen does not cut long answers", () => {
  test("an event stream quieter than both timeouts runs to its end", { timeout: 20_000 }, async () => {
    const server = await listen(handler, { port: 0, idleTimeoutSeconds: 1, requestTimeoutSeconds: 1 });
    try {
      const got = await rawExchange(server.url, {
        send: "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n",
        waitMs: 9_000,
      });
      assert.match(got.text, /data: 0\n\n[\s\S]*data: 1\n\n/, got.text);
      if (server.engine === "Bun.serve") {
        assert.match(got.text, /connection: close/i, "Bun: the connection ends with the stream");
      }
    } finally {
      await server.close(true);
    }
  });

  test(
    "a handler slower than both timeouts still answers",
    { skip: isBun && "Bun.serve's idleTimeout covers a silent handler too (see listen.ts)", timeout: 20_000 },
    async () => {
      const server = await listen(handler, { port: 0, idleTimeoutSeconds: 1, requestTimeoutSeconds: 1 });
      try {
        const res = await fetch(`${server.url}/slow`);
        assert.equal(await res.text(), "slow but whole");
      } finally {
        await server.close(true);
      }
    },
  );
});

describe("a body over maxBodyBytes", () => {
  test(
    "gets a 413 with Connection: close, and the connection is closed at once",
    { timeout: 20_000 },
    async () => {
      const s = await tempService({ limits: { maxBodyBytes: 1024 } });
      // timeouts far longer than the wait below, so only the 413 can close the connections
      const server = await listen(s.app.fetch, {
        port: 0,
        idleTimeoutSeconds: 20,
        requestTimeoutSeconds: 20,
      });
      try {
        const head = "POST /v1/jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n";
        const declared = rawExchange(server.url, {
          send: `${head}Content-Length: 100000\r\n\r\n{"model":`,
          waitMs: 5_000,
        });
        const chunked = rawExchange(server.url, {
          send: `${head}Transfer-Encoding: chunked\r\n\r\n800\r\n${"x".repeat(0x800)}\r\n`,
          waitMs: 5_000,
        });
        for (
          const [name, got] of [["declared length", await declared], ["chunked", await chunked]] as const
        ) {
          assert.match(got.text, /^HTTP\/1\.1 413/, `${name}: ${got.text.slice(0, 80)}`);
          assert.match(got.text, /\r\nconnection: close\r\n/i, name);
          assert.match(got.text, /maxBodyBytes/, name);
          assert.ok(
            got.closedMs !== undefined && got.closedMs < 2_000,
            `${name}: closed after ${got.closedMs} ms`,
          );
        }
        // a body within the limit is read and answered (here a 400) without closing the connection
        const within = await rawExchange(server.url, {
          send: `${head}Content-Length: 12\r\n\r\n{"model": 1}`,
          waitMs: 1_500,
        });
        assert.match(within.text, /^HTTP\/1\.1 400/);
        assert.doesNotMatch(within.text, /connection: close/i);
        assert.equal(within.closedMs, undefined, "the connection stays open for the next request");
      } finally {
        await server.close(true);
        await s.done();
      }
    },
  );
});
