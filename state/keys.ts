/**
 * meshwatch's own keys in Redis, all under `<prefix>:mw:` (BullMQ's queues
 * live under `<prefix>:<queue>:`). One function per key so that every key's
 * bound (TTL or trim) is documented where it is written.
 */
export class RedisKeys {
  readonly base: string;

  constructor(readonly prefix: string) {
    this.base = `${prefix}:mw`;
  }

  /** INCR counter behind `inc-N` ids; one integer. */
  incidentSeq(): string { return `${this.base}:incident-seq`; }
  /** Hash of one incident; expires `history.maxAge` after it resolves. */
  incident(id: string): string { return `${this.base}:incident:${id}`; }
  /** Hash channel → what that consumer channel was told for this root incident; expires with the incident. */
  incidentChannels(id: string): string { return `${this.base}:incident:${id}:channels`; }
  /** The unresolved incident of a product (a string id); deleted when it resolves. */
  productIncident(product: string): string { return `${this.base}:product-incident:${product}`; }
  /** Last operation applied to a product's incident, so that a retried tick repeats its answer; expires after a day. */
  productOp(product: string): string { return `${this.base}:product-op:${product}`; }
  /** Zset id → opened time of unresolved incidents (at most one per product). */
  openIncidents(): string { return `${this.base}:incidents-open`; }
  /** Zset id → opened time of every incident; pruned to `history.maxAge`. */
  allIncidents(): string { return `${this.base}:incidents`; }
  /** Hash check → JSON of its latest result; expires `history.maxAge` after the last write. */
  latest(product: string): string { return `${this.base}:latest:${product}`; }
  /** Zset of JSON results by time; trimmed to `history.results` and `history.maxAge`, expires with it. */
  history(product: string): string { return `${this.base}:history:${product}`; }
  /** JSON history document of one incident; expires `history.incidentRetention` after it resolves. */
  incidentHistory(id: string): string { return `${this.base}:incident-history:${id}`; }
  /** Zset id → resolved time (+inf while unresolved) of incident histories; pruned to `history.incidentRetention`. */
  historyIndex(): string { return `${this.base}:incident-history`; }
  /** Hash `<domain>:statements|ms|products` → monitoring cost of one UTC day; expires after `history.incidentRetention`. */
  cost(day: string): string { return `${this.base}:cost:${day}`; }
  /** Hash of the monitor's own health episode (ok / degraded). */
  platform(): string { return `${this.base}:platform`; }
  /** Marker that a notification was delivered; expires after `history.maxAge`. */
  delivered(jobId: string): string { return `${this.base}:delivered:${jobId}`; }
  /** Hash replica id → JSON { configHash, seenAt }; entries older than a few heartbeats are pruned. */
  replicas(): string { return `${this.base}:replicas`; }
  /** Hash product → JSON { by, at } of its latest recorded tier review; one field per product, never expires (an audit record). */
  tierReviews(): string { return `${this.base}:tier-reviews`; }
  /** List of a product's recorded tier reviews, newest first; trimmed to TIER_REVIEW_HISTORY. */
  tierReviewHistory(product: string): string { return `${this.base}:tier-review-history:${product}`; }
  /** Lock for scheduler reconciliation; a token with a TTL. */
  reconcileLock(): string { return `${this.base}:lock:reconcile`; }
}
