/**
 * Tier reviews recorded from Slack ("tier still right"): who confirmed a
 * product's tier, and when. The latest review of each product is one field
 * of a hash (what the due-date logic reads, catalog/tier-review.ts); every
 * review is also kept in a short per-product history list.
 *
 * `record` keeps the newer review: a retried or late click never moves the
 * date back.
 */
import type { RecordedReview } from '../catalog/tier-review.js';
import type { Redis } from './redis.js';
import type { RedisKeys } from './keys.js';

/** Reviews kept per product in the history list. */
export const TIER_REVIEW_HISTORY = 50;

// KEYS: latest hash, history list. ARGV: product, JSON review, its time in ms, history length.
const RECORD = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded.ms and tonumber(decoded.ms) > tonumber(ARGV[3]) then return current end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return ARGV[2]
`;

interface Stored extends RecordedReview {
  readonly ms: number;
}

function parseStored(text: string | null | undefined): RecordedReview | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Stored>;
    return typeof value.by === 'string' && typeof value.at === 'string' ? { by: value.by, at: value.at } : undefined;
  } catch {
    return undefined;
  }
}

export class TierReviewStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Records that `by` confirmed the product's tier at `at`; returns the review that now counts. */
  async record(product: string, by: string, at: Date): Promise<RecordedReview> {
    const review: Stored = { by, at: at.toISOString(), ms: at.getTime() };
    const reply = (await this.redis.eval(
      RECORD,
      2,
      this.keys.tierReviews(),
      this.keys.tierReviewHistory(product),
      product,
      JSON.stringify(review),
      String(review.ms),
      String(TIER_REVIEW_HISTORY),
    )) as string;
    return parseStored(reply) ?? { by, at: review.at };
  }

  /** The latest recorded review of each product (of `products` only, when given). */
  async latest(products?: readonly string[]): Promise<Map<string, RecordedReview>> {
    const out = new Map<string, RecordedReview>();
    if (products !== undefined) {
      if (products.length === 0) return out;
      const values = await this.redis.hmget(this.keys.tierReviews(), ...products);
      products.forEach((id, i) => {
        const review = parseStored(values[i]);
        if (review) out.set(id, review);
      });
      return out;
    }
    const all = await this.redis.hgetall(this.keys.tierReviews());
    for (const [id, text] of Object.entries(all)) {
      const review = parseStored(text);
      if (review) out.set(id, review);
    }
    return out;
  }

  /** A product's reviews, newest first. */
  async history(product: string, limit = TIER_REVIEW_HISTORY): Promise<RecordedReview[]> {
    const items = await this.redis.lrange(this.keys.tierReviewHistory(product), 0, limit - 1);
    return items.map(parseStored).filter((r): r is RecordedReview => r !== undefined);
  }
}
