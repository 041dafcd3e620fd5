import type { FastifyReply } from "fastify";
import type { EventStream } from "./service.js";

/**
 * The server-sent event streams a service has open: each answered until its client leaves, or
 * until `endAll` (the service starts draining), so an open stream never holds up a shutdown.
 */
export class EventStreams {
  private readonly open = new Set<AbortController>();

  /** Answers `reply` with `stream`'s events (the response is the stream's from now on). */
  serve(reply: FastifyReply, { start }: EventStream): void {
    const controller = new AbortController();
    this.open.add(controller);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": reply.request.id,
    });
    const stop = () => {
      if (!this.open.delete(controller)) return;
      controller.abort();
      response.end();
    };
    response.on("close", stop);
    controller.signal.addEventListener("abort", stop, { once: true });
    const send = (data: string, event?: string) => {
      if (controller.signal.aborted) return;
      const lines = data.split("\n").map((line) => `data: ${line}`);
      response.write(`${event ? `event: ${event}\n` : ""}${lines.join("\n")}\n\n`);
    };
    start(send, controller.signal);
  }

  /** Ends every open stream (its `signal` aborts, its response ends). */
  endAll(): void {
    for (const controller of this.open) controller.abort();
  }
}
