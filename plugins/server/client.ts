/**
 * A small typed client of the training service: submit a job, follow its events as an async
 * iterator, read its record, download its weights, cancel it. Uses only `fetch`, so it runs
 * under Deno, Bun, Node and in browsers.
 * @module
 */
import type { JobRecord, StepMetric } from "./job_types.ts";

/** An event of `GET /v1/jobs/:id/events`. */
export type ServiceEvent =
  | { readonly event: "state"; readonly data: JobRecord }
  | { readonly event: "step"; readonly data: StepMetric }
  | { readonly event: "final"; readonly data: JobRecord };

/**
 * A non-2xx answer, with the service's error body.
 *
 * @example
 * ```ts
 * import { ServiceClient, ServiceError } from "@remat/server";
 * try {
 *   await new ServiceClient("http://127.0.0.1:8787").job("no-such-job");
 * } catch (e) {
 *   if (e instanceof ServiceError) console.log(e.status, e.body?.error?.tag); // 404 ...
 * }
 * ```
 */
export class ServiceError extends Error {
  /** An error for HTTP `status` with the service's JSON error `body`, if it sent one. */
  constructor(
    readonly status: number,
    readonly body: { error?: { tag?: string; message?: string } } | undefined,
  ) {
    super(`HTTP ${status}: ${body?.error?.message ?? "no error body"}`);
  }
}

/**
 * Splits an SSE byte stream into events (blank-line separated `event:`/`data:` blocks).
 *
 * @example
 * ```ts
 * import { parseSse } from "@remat/server";
 * const res = await fetch("http://127.0.0.1:8787/v1/jobs/some-id/events");
 * for await (const { event, data } of parseSse(res.body!)) console.log(event, JSON.parse(data));
 * ```
 */
export async function* parseSse(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, "\n");
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).trimStart();
      }
      if (data) yield { event, data };
    }
  }
}

/**
 * A client bound to one service URL.
 * @example
 * ```ts
 * const client = new ServiceClient("http://127.0.0.1:8787");
 * const job = await client.submit({ model: { kind: "mlp" }, steps: 50 });
 * for await (const e of client.events(job.id)) if (e.event === "step") console.log(e.data.loss);
 * ```
 */
export class ServiceClient {
  /** A client of the service at `baseUrl`, sending `token` as a bearer token when given. */
  constructor(readonly baseUrl: string, readonly token?: string) {}

  async #call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set("Authorization", `Bearer ${this.token}`);
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    if (!res.ok) throw new ServiceError(res.status, await res.json().catch(() => undefined));
    return res;
  }

  /** Queues a job (`POST /v1/jobs`). */
  async submit(request: Record<string, unknown>): Promise<JobRecord> {
    const res = await this.#call("/v1/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    return await res.json();
  }

  /** The job's record (`GET /v1/jobs/:id`). */
  async job(id: string): Promise<JobRecord & { progress: number }> {
    return await (await this.#call(`/v1/jobs/${id}`)).json();
  }

  /** Cancels a job (`DELETE /v1/jobs/:id`). */
  async cancel(id: string): Promise<JobRecord> {
    return await (await this.#call(`/v1/jobs/${id}`, { method: "DELETE" })).json();
  }

  /** The job's events until its final one. */
  async *events(id: string): AsyncGenerator<ServiceEvent> {
    const res = await this.#call(`/v1/jobs/${id}/events`, { headers: { Accept: "text/event-stream" } });
    for await (const { event, data } of parseSse(res.body!)) {
      const e = { event, data: JSON.parse(data) } as ServiceEvent;
      yield e;
      if (e.event === "final") return;
    }
  }

  /** The trained parameters, safetensors bytes (`GET /v1/jobs/:id/weights`). */
  async weights(id: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.#call(`/v1/jobs/${id}/weights`)).arrayBuffer());
  }
}
