// @fastify/rate-limit's two stores, used by rate-limit-store.ts (the package ships no types for these files).
declare module '@fastify/rate-limit/store/*.js' {
  import type { FastifyRateLimitStore } from '@fastify/rate-limit';
  const Store: new (...args: unknown[]) => FastifyRateLimitStore;
  export default Store;
}
