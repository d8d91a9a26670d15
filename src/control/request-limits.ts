/**
 * Time limits for corral's own HTTP servers (the control socket and the admin
 * server). A client that sends half a request, or nothing, holds a connection
 * (an fd in the supervisor) until these expire. Node's defaults (60 s for the
 * headers, 5 min for the whole request, checked every 30 s: an idle connection
 * lived ~90 s) are for the internet; our requests are a few bytes. They bound
 * receiving a request and idling between requests only: a reload that takes
 * minutes still gets its answer, and an event stream stays open.
 */
export const REQUEST_LIMITS = {
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
} as const;
