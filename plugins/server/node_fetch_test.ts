import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type FetchHandler, nodeListener } from "./node_fetch.ts";
import { rawExchange } from "./test_support.ts";

/** Serves `handler` through node:http on 127.0.0.1 for the length of `body`. */
async function withServer(handler: FetchHandler, body: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(nodeListener(handler));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }
}

test("the Request carries method, URL, headers and the streamed body; the Response comes back whole", async () => {
  await withServer(async (req) => {
    const text = await req.text();
    const url = new URL(req.url);
    return new Response(
      JSON.stringify({
        method: req.method,
        path: url.pathname,
        q: url.searchParams.get("q"),
        text,
        tag: req.headers.get("x-tag"),
      }),
      {
        status: 201,
        headers: { "Content-Type": "application/json", "X-Answer": "42" },
      },
    );
  }, async (url) => {
    const res = await fetch(`${url}/a/b?q=1`, {
      method: "PUT",
      headers: { "X-Tag": "t1" },
      body: "x".repeat(100_000),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("X-Answer"), "42");
    const length = res.headers.get("Content-Length"); // set when the body came whole at once
    const got = JSON.parse(await res.text()) as Record<string, unknown>;
    if (length !== null) assert.equal(Number(length), JSON.stringify(got).length);
    assert.deepEqual({ ...got, text: (got.text as string).length }, {
      method: "PUT",
      path: "/a/b",
      q: "1",
      text: 100_000,
      tag: "t1",
    });
  });
});

test("a one-chunk body gets a Content-Length; Set-Cookie stays several headers; HEAD and 204 have no body", async () => {
  await withServer((req) => {
    if (req.method === "HEAD") return new Response(null, { status: 200, headers: { "X-Head": "yes" } });
    if (new URL(req.url).pathname === "/none") return new Response(null, { status: 204 });
    const headers = new Headers({ "Content-Type": "text/plain" });
    headers.append("Set-Cookie", "a=1");
    headers.append("Set-Cookie", "b=2");
    return new Response("hello", { headers });
  }, async (url) => {
    const raw = await rawExchange(url, {
      send: "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
      waitMs: 2000,
    });
    assert.match(raw.text, /\r\ncontent-length: 5\r\n/i);
    assert.match(raw.text, /\r\nset-cookie: a=1\r\n/i);
    assert.match(raw.text, /\r\nset-cookie: b=2\r\n/i);
    assert.match(raw.text, /\r\n\r\nhello$/);
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.headers.get("X-Head"), "yes");
    assert.equal(await head.text(), "");
    const none = await fetch(`${url}/none`);
    assert.equal(none.status, 204);
  });
});

test("a streamed body reaches the client chunk by chunk, before the stream ends", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await withServer(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(new TextEncoder().encode("data: first\n\n"));
          await released; // the second chunk waits until the client has read the first
          c.enqueue(new TextEncoder().encode("data: second\n\n"));
          c.close();
        },
      }),
      { headers: { "Content-Type": "text/event-stream" } },
    ), async (url) => {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.equal(first, "data: first\n\n");
    release();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += new TextDecoder().decode(r.value);
    }
    assert.equal(rest, "data: second\n\n");
  });
});

test("a client that goes away cancels the response stream and aborts the request's signal", async () => {
  const cancelled = Promise.withResolvers<string>();
  const aborted = Promise.withResolvers<void>();
  await withServer((req) => {
    req.signal.addEventListener("abort", () => aborted.resolve());
    return new Response(
      new ReadableStream<Uint8Array>({
        pull: async (c) => {
          c.enqueue(new TextEncoder().encode("data: tick\n\n"));
          await new Promise((r) => setTimeout(r, 20));
        },
        cancel: (reason) => cancelled.resolve(String(reason)),
      }),
    );
  }, async (url) => {
    const raw = await rawExchange(url, { send: "GET / HTTP/1.1\r\nHost: t\r\n\r\n", waitMs: 200 }); // then hangs up
    assert.match(raw.text, /data: tick/);
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error("not cancelled within 3 s")), 3000)
    );
    await Promise.race([Promise.all([cancelled.promise, aborted.promise]), timeout]);
  });
});

test("a handler that throws gets a plain 500 that closes the connection", async () => {
  const original = console.error;
  console.error = () => {};
  try {
    await withServer(() => {
      throw new Error("boom");
    }, async (url) => {
      const raw = await rawExchange(url, { send: "GET / HTTP/1.1\r\nHost: t\r\n\r\n", waitMs: 2000 });
      assert.match(raw.text, /^HTTP\/1\.1 500/);
      assert.match(raw.text, /\r\nconnection: close\r\n/i);
      assert.ok(raw.closedMs !== undefined, "closed");
    });
  } finally {
    console.error = original;
  }
});
