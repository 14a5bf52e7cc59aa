/**
 * zod schemas for the files of a config directory. Each schema parses one
 * file's YAML value into the typed model of `types.ts`; messages follow the
 * pattern `expected <what>, got <value>` so that `formatIssue` can prefix the
 * file and path.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseColumnName, parseTableRef } from './identifier.js';
import { isValidTimezone } from './schedule.js';
import type { AcceptedValuesRule, Contract, ExpressionRule, NotNullRule, RuleOptions, Severity, Tolerance, UniqueRule } from './types.js';

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const nonEmpty = (what: string) =>
  z.string({ error: (iss) => `expected ${what}, got ${describeValue(iss.input)}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
const idString = (what: string) =>
  nonEmpty(what).refine((s) => ID.test(s), {
    error: (iss) => `expected ${what} (letters, digits, _ and -, parts joined by "."), got ${describeValue(iss.input)}`,
  });

export const durationSchema = z
  .union([z.string(), z.number()], { error: (iss) => `expected a duration like 2h, got ${describeValue(iss.input)}` })
  .transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 2h, got ${describeValue(value)}`, input: value });
      return z.NEVER;
    }
    return { text: String(value).trim(), ms };
  });

/**
 * A calendar date (`2026-03-31`) or an ISO timestamp, kept as written: the
 * governance fields compare it with a clock (see config/dates.ts), and YAML
 * leaves unquoted dates as text.
 */
export const dateSchema = z
  .string({ error: (iss) => `expected a date like 2026-03-31 or an ISO timestamp, got ${describeValue(iss.input)}` })
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)), {
    error: (iss) => `expected a date like 2026-03-31 or an ISO timestamp, got ${describeValue(iss.input)}`,
  });

/** The longest delay a Node.js timer can hold (2^31 - 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration that becomes a timer (statement timeouts): beyond MAX_TIMER_MS it is rejected, not clamped. */
export const timerDurationSchema = durationSchema.superRefine((value, ctx) => {
  if (value.ms > MAX_TIMER_MS) {
    ctx.addIssue({ code: 'custom', message: `${value.text} is longer than a timer can hold (at most 24d); use a shorter duration`, input: value.text });
  }
});

/** Secrets are kept exactly as given (a password may start or end with spaces). */
const secret = (what: string) =>
  z.string({ error: (iss) => `expected ${what}, got ${iss.input === undefined ? 'nothing' : 'a value that is not text'}` }).min(1, { error: `expected ${what}, got an empty string` });

const columnName = nonEmpty('a column name').superRefine((value, ctx) => {
  const parsed = parseColumnName(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed, input: value });
});

const columnList = z.array(columnName, { error: (iss) => `expected a list of column names, got ${describeValue(iss.input)}` });

const channel = nonEmpty('a Slack channel like "#sales-data" or a channel id').refine((s) => /^(#[\w.-]+|[CG][A-Z0-9]{6,})$/.test(s), {
  error: (iss) => `expected a Slack channel like "#sales-data" or a channel id, got ${describeValue(iss.input)}`,
});

export const tableSchema = nonEmpty('a table like SCHEMA.TABLE or DB.SCHEMA.TABLE').transform((value, ctx) => {
  const parsed = parseTableRef(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed.startsWith('expected') ? parsed : `invalid table "${value}": ${parsed}`, input: value });
    return z.NEVER;
  }
  return parsed;
});

const scheduleText = nonEmpty('a cron expression or an interval like 5m');

/** A duration, or `off`. */
const escalateSchema = z.union([z.literal('off'), durationSchema], {
  error: (iss) => `expected a duration like 4h, or off, got ${describeValue(iss.input)}`,
});

/** Unacknowledged incidents: remind the producer after `remind`, escalate to the business unit after `escalate`. */
const escalationOverrideSchema = z.strictObject({
  remind: durationSchema.optional(),
  /** `off` never escalates. */
  escalate: escalateSchema.optional(),
});

const businessUnitSchema = z.strictObject({
  /** The name `domains[].businessUnit` uses. */
  name: nonEmpty('a business unit name'),
  /** Where escalations of this business unit's incidents go. */
  escalationChannel: channel.optional(),
  /** Who is named in escalations (a Slack handle or a name). */
  lead: nonEmpty('a lead like "@jane" or a name').optional(),
});

const domainSchema = z.strictObject({
  id: idString('a domain id'),
  name: nonEmpty('a domain name'),
  businessUnit: nonEmpty('a business unit name').optional(),
  /** Required unless a source (ODCS support channel) gives it: checked by the loader once sources are read. */
  slackChannel: channel.optional(),
  /** Who owns the domain (user names or emails); from ODCS team members or dbt group owners where not set. */
  people: z.array(nonEmpty('a person (user name or email)')).optional(),
  oncall: nonEmpty('a Slack user group like "@sales-oncall"').optional(),
  /** Overrides `escalation` for this domain's incidents. */
  escalation: escalationOverrideSchema.optional(),
});

const duckdbWarehouse = z.strictObject({
  type: z.literal('duckdb'),
  /** Relative paths are resolved against the config directory. */
  path: nonEmpty('a DuckDB database file path'),
});

const snowflakeWarehouse = z
  .strictObject({
    type: z.literal('snowflake'),
    account: nonEmpty('a Snowflake account identifier'),
    user: nonEmpty('a Snowflake user'),
    role: nonEmpty('a Snowflake role').optional(),
    warehouse: nonEmpty('a Snowflake warehouse').optional(),
    /** Default database for product tables written as SCHEMA.TABLE. */
    database: nonEmpty('a Snowflake database').optional(),
    authenticator: z.enum(['SNOWFLAKE', 'SNOWFLAKE_JWT']).optional(),
    password: secret('a password (use ${ENV_VAR})').optional(),
    privateKey: secret('a PEM private key (use ${ENV_VAR})').optional(),
    privateKeyPath: nonEmpty('a path to a PEM private key file').optional(),
    privateKeyPass: secret('a private key passphrase (use ${ENV_VAR})').optional(),
    /** Overrides the account URL: private link, or a local test server. */
    accessUrl: z.url({ error: (iss) => `expected a URL, got ${describeValue(iss.input)}` }).optional(),
    pool: z
      .strictObject({
        max: z.int().min(1).max(64).default(4),
        min: z.int().min(0).max(64).default(0),
      })
      .default({ max: 4, min: 0 }),
    /** Overrides defaults.queryTimeout for Snowflake statements (sent as STATEMENT_TIMEOUT_IN_SECONDS). */
    statementTimeout: timerDurationSchema.optional(),
    /** Use HTTP(S)_PROXY from the environment; off unless asked for. */
    useEnvProxy: z.boolean().default(false),
  })
  .superRefine((value, ctx) => {
    const keyPair = value.privateKey !== undefined || value.privateKeyPath !== undefined;
    const auth = value.authenticator ?? (keyPair ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE');
    if (auth === 'SNOWFLAKE_JWT' && !keyPair) {
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'key-pair authentication needs privateKey or privateKeyPath', input: value });
    }
    if (auth === 'SNOWFLAKE' && value.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'password authentication needs password (or set privateKey for key-pair authentication)', input: value });
    }
    if (value.privateKey !== undefined && value.privateKeyPath !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyPath'], message: 'give privateKey or privateKeyPath, not both', input: value });
    }
  });

const productIdText = idString('a product id');

/** Breaking changes that are not about one column, as a `breakingChanges` entry names them. */
const acknowledgeableChange = z.enum(['freshness_loosened', 'tier_stricter', 'contract_loosened', 'schema_removed'], {
  error: (iss) => `expected one of freshness_loosened, tier_stricter, contract_loosened, schema_removed, got ${describeValue(iss.input)}`,
});
const productRef = productIdText;

const tierEnum = z.enum(['open', 'limited', 'restricted'], {
  error: (iss) => `expected one of open, limited, restricted, got ${describeValue(iss.input)}`,
});

/** What every source entry may say about the products it gives (see sources/). */
const sourceCommon = {
  /** Domain for products whose source names none. */
  domain: idString('a domain id').optional(),
  /** Tier for products whose source gives none (default restricted). */
  tier: tierEnum.optional(),
};

const sourceEntrySchema = z.union(
  [
    z.strictObject({
      odcs: nonEmpty('a path or glob of ODCS contract files, like "contracts/**/*.odcs.yaml"'),
      ...sourceCommon,
      /** Schema for tables when no server in the contract names one. */
      schema: nonEmpty('a schema name').optional(),
      /** The server (by its `server` name) that gives database and schema. */
      server: nonEmpty('a server name').optional(),
      /** ODCS `classification` word → tier, over the built-in map. */
      classificationTiers: z.record(z.string(), tierEnum).optional(),
    }),
    z.strictObject({
      dbt: z.strictObject({ manifest: nonEmpty('a path to a dbt manifest.json, like target/manifest.json') }),
      ...sourceCommon,
      /** Which models are products; all of them without it. */
      select: z
        .strictObject({
          access: z.array(z.enum(['public', 'protected', 'private'])).optional(),
          tags: z.array(z.string()).optional(),
          groups: z.array(z.string()).optional(),
          meta: z.record(z.string(), z.unknown()).optional(),
        })
        .optional(),
    }),
  ],
  { error: (iss) => `expected { odcs: GLOB } or { dbt: { manifest: PATH } }, got ${describeValue(iss.input)}` },
);

export type SourceEntry = z.infer<typeof sourceEntrySchema>;

/** The Slack connection; `botToken` and `signingSecret` only as `${ENV}` references (checked in load.ts). */
export const slackSettingsSchema = z.strictObject({
  botToken: secret('a bot token reference like ${SLACK_BOT_TOKEN}').optional(),
  signingSecret: secret('a signing secret reference like ${SLACK_SIGNING_SECRET}').optional(),
  /** Slack's Web API base; a proxy or test server speaking the same API. */
  apiUrl: z.url({ error: (iss) => `expected a URL like https://slack.com/api/, got ${describeValue(iss.input)}` }).optional(),
});

export const workspaceFileSchema = z.strictObject({
  /** The status page's public address: messages link `<statusUrl>/products/<id>`. */
  statusUrl: z
    .url({ protocol: /^https?$/, error: (iss) => `expected the status page's address like https://meshwatch.example.com, got ${describeValue(iss.input)}` })
    .optional(),
  warehouse: z.discriminatedUnion('type', [duckdbWarehouse, snowflakeWarehouse], {
    error: (iss) => `expected a warehouse with type duckdb or snowflake, got ${describeValue(iss.input)}`,
  }),
  defaults: z
    .strictObject({
      schedule: scheduleText.default('*/15 * * * *'),
      timezone: nonEmpty('an IANA time zone like UTC or Europe/Berlin')
        .refine(isValidTimezone, { error: (iss) => `expected an IANA time zone like UTC or Europe/Berlin, got ${describeValue(iss.input)}` })
        .default('UTC'),
      /** Checks run at once against the warehouse. */
      concurrency: z.int().min(1).max(256).default(8),
      /** Limit for one check query; the query is cancelled after it. */
      queryTimeout: timerDurationSchema.default({ text: '5m', ms: 300_000 }),
      /** A freshness timestamp further in the future than this fails freshness ("in the future"). */
      futureTolerance: durationSchema.default({ text: '5m', ms: 300_000 }),
      /**
       * Share of one database's products (and at least 10 of them) missing in
       * one cycle above which the missing tables are reported as one monitor
       * problem (wrong warehouse, revoked grants) instead of one incident each.
       */
      massMissing: z.number().min(0).max(1).default(0.5),
    })
    .default({
      schedule: '*/15 * * * *',
      timezone: 'UTC',
      concurrency: 8,
      queryTimeout: { text: '5m', ms: 300_000 },
      futureTolerance: { text: '5m', ms: 300_000 },
      massMissing: 0.5,
    }),
  platform: z.strictObject({ slackChannel: channel.optional() }).default({}),
  /** Who decides Slack subscriptions to restricted products, and where the requests go. */
  approvals: z
    .strictObject({
      /** Where approval requests are posted; default: the producer domain's channel. */
      channel: channel.optional(),
      /** Slack user ids (U…/W…), user group ids (S…) or user group handles (@data-governance); none: the producer domain's on-call group. */
      approvers: z
        .array(
          nonEmpty('a Slack user id, user group id or @user-group handle').refine((s) => /^(@[\w.-]+|[UWS][A-Z0-9]{6,})$/.test(s), {
            error: (iss) => `expected a Slack user id like U0123ABCD, a user group id like S0123ABCD or a user group handle like "@data-governance", got ${describeValue(iss.input)}`,
          }),
        )
        .default([]),
    })
    .default({ approvers: [] }),
  /** Redis for `meshwatch serve` and `meshwatch incident`; REDIS_URL in the environment wins. */
  redis: z
    .strictObject({
      url: z.url({ error: (iss) => `expected a Redis URL like redis://localhost:6379, got ${describeValue(iss.input)}` }).optional(),
      /** Key prefix for every meshwatch and BullMQ key; braces make it a Redis Cluster hash tag. */
      prefix: nonEmpty('a Redis key prefix').optional(),
    })
    .default({}),
  /** What `meshwatch serve` keeps per product in Redis. */
  history: z
    .strictObject({
      results: z.int().min(1).max(10_000).default(100),
      maxAge: durationSchema.default({ text: '30d', ms: 30 * 86_400_000 }),
      /** How long an incident's history (for `meshwatch report`, digests, MTTA/MTTR) is kept after it resolves. */
      incidentRetention: durationSchema.default({ text: '400d', ms: 400 * 86_400_000 }),
    })
    .default({ results: 100, maxAge: { text: '30d', ms: 30 * 86_400_000 }, incidentRetention: { text: '400d', ms: 400 * 86_400_000 } }),
  escalation: z
    .strictObject({
      /** A reminder goes to the producer after this long while unacknowledged and not snoozed. */
      remind: durationSchema.default({ text: '1h', ms: 3_600_000 }),
      /** After this long unacknowledged (and not snoozed), one message to the business unit's escalation channel; `off` never. */
      escalate: escalateSchema.default({ text: '4h', ms: 4 * 3_600_000 }),
    })
    .default({ remind: { text: '1h', ms: 3_600_000 }, escalate: { text: '4h', ms: 4 * 3_600_000 } }),
  /** Business units by the names `domains[].businessUnit` uses: escalation channel and lead. */
  businessUnits: z.array(businessUnitSchema, { error: (iss) => `expected a list of business units, got ${describeValue(iss.input)}` }).optional(),
  /** Weekly accountability digests to each producer domain, consumer domain and the platform channel; off without this section. */
  digests: z
    .strictObject({
      /** Cron, in `timezone`. */
      schedule: nonEmpty('a cron expression like "0 9 * * MON"').default('0 9 * * MON'),
      timezone: nonEmpty('an IANA time zone like UTC or Europe/Berlin')
        .refine(isValidTimezone, { error: (iss) => `expected an IANA time zone like UTC or Europe/Berlin, got ${describeValue(iss.input)}` })
        .optional(),
      /** The period a digest covers (and the previous one it is compared with). */
      period: durationSchema.default({ text: '7d', ms: 7 * 86_400_000 }),
      /** `false` turns digests off. */
      enabled: z.boolean().default(true),
    })
    .optional(),
  /** Slack connection settings; SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL win (config/slack.ts). */
  slack: slackSettingsSchema.optional(),
  domains: z
    .array(domainSchema, { error: (iss) => `expected a list of domains, got ${describeValue(iss.input)}` })
    .min(1, { error: 'expected at least one domain' }),
  /** Shareability-tier governance (issue 16): lineage check, review cadence, where product files are shown. */
  governance: z
    .strictObject({
      /** A product less restricted than one of its inputs, without tierJustification: warn (default) or error. */
      tierLineage: z.enum(['warn', 'error'], { error: (iss) => `expected warn or error, got ${describeValue(iss.input)}` }).default('warn'),
      /** How often an owner re-confirms a product's tier (tierReviewedAt). */
      tierReviewEvery: durationSchema.default({ text: '90d', ms: 90 * 86_400_000 }),
      /** Web address of the config directory's files in the repository, e.g. https://github.com/acme/mesh/blob/main/mesh */
      repoUrl: z.url({ error: (iss) => `expected a URL like https://github.com/acme/mesh/blob/main, got ${describeValue(iss.input)}` }).optional(),
    })
    .default({ tierLineage: 'warn', tierReviewEvery: { text: '90d', ms: 90 * 86_400_000 } }),
  /** Removed or renamed products whose consumers were told: see preflight. */
  breakingChanges: z
    .array(
      z.strictObject({
        product: productIdText,
        /**
         * With a column or change, a change of a product that has no file of
         * its own to say it in (one read from an ODCS contract or a dbt
         * manifest); without, the product's removal or renaming.
         */
        column: columnName.optional(),
        change: acknowledgeableChange.optional(),
        notice: nonEmpty('a notice for the consumers, e.g. "replaced by sales.orders-v2"'),
        until: dateSchema,
      }),
      { error: (iss) => `expected a list of { product, column?, notice, until }, got ${describeValue(iss.input)}` },
    )
    .default([]),
  /** ODCS contracts and dbt manifests read as products, beside products/*.yaml. */
  sources: z.array(sourceEntrySchema, { error: (iss) => `expected a list of sources, got ${describeValue(iss.input)}` }).default([]),
});

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a string, number or boolean, got ${describeValue(iss.input)}`,
});

const bounds = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, { error: 'expected min, max or both' })
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, { error: 'min must not be greater than max' });


const severity = z
  .enum(['warn', 'fail'], { error: (iss) => `expected warn or fail, got ${describeValue(iss.input)}` })
  .default('fail');

/** The options every rule takes: a tolerance (`maxRows` or `maxPercent`, not both) and a severity. */
const ruleOptionFields = {
  maxRows: z.int({ error: (iss) => `expected a whole number of rows, got ${describeValue(iss.input)}` }).min(0).optional(),
  maxPercent: z.number({ error: (iss) => `expected a percentage from 0 to 100, got ${describeValue(iss.input)}` }).min(0).max(100).optional(),
  severity,
};

type RawOptions = { maxRows?: number | undefined; maxPercent?: number | undefined; severity: Severity };

function toOptions(raw: RawOptions): RuleOptions {
  const tolerance: Tolerance | undefined =
    raw.maxRows !== undefined ? { maxRows: raw.maxRows } : raw.maxPercent !== undefined ? { maxPercent: raw.maxPercent } : undefined;
  return tolerance ? { severity: raw.severity, tolerance } : { severity: raw.severity };
}

const oneTolerance = (raw: { maxRows?: number | undefined; maxPercent?: number | undefined }) => raw.maxRows === undefined || raw.maxPercent === undefined;
const ONE_TOLERANCE = { error: 'give maxRows or maxPercent, not both', path: ['maxPercent'] };

const DEFAULT_OPTIONS: RuleOptions = { severity: 'fail' };

const notNullRule = z.union(
  [
    columnName.transform((column): NotNullRule => ({ column, ...DEFAULT_OPTIONS })),
    z
      .strictObject({ column: columnName, ...ruleOptionFields })
      .refine(oneTolerance, ONE_TOLERANCE)
      .transform(({ column, ...raw }): NotNullRule => ({ column, ...toOptions(raw) })),
  ],
  { error: (iss) => `expected a column name or { column, maxRows | maxPercent, severity }, got ${describeValue(iss.input)}` },
);

const uniqueColumns = z
  .array(columnName, { error: (iss) => `expected a list of column names, got ${describeValue(iss.input)}` })
  .min(1, { error: 'expected at least one column' });

const uniqueRule = z.union(
  [
    columnName.transform((column): UniqueRule => ({ columns: [column], ...DEFAULT_OPTIONS })),
    uniqueColumns.transform((columns): UniqueRule => ({ columns, ...DEFAULT_OPTIONS })),
    z
      .strictObject({ column: columnName.optional(), columns: uniqueColumns.optional(), ...ruleOptionFields })
      .refine((r) => (r.column === undefined) !== (r.columns === undefined), { error: 'give column or columns, not both' })
      .refine(oneTolerance, ONE_TOLERANCE)
      .transform(({ column, columns, ...raw }): UniqueRule => ({ columns: columns ?? [column!], ...toOptions(raw) })),
  ],
  {
    error: (iss) =>
      `expected a column name, a list of columns (a composite key) or { columns, maxRows | maxPercent, severity }, got ${describeValue(iss.input)}`,
  },
);

const acceptedList = z.array(scalar).min(1, { error: 'expected at least one accepted value' });

const acceptedValuesRule = z.union(
  [
    acceptedList.transform((values) => ({ values, ...DEFAULT_OPTIONS })),
    z
      .strictObject({ values: acceptedList, ...ruleOptionFields })
      .refine(oneTolerance, ONE_TOLERANCE)
      .transform(({ values, ...raw }) => ({ values, ...toOptions(raw) })),
  ],
  { error: (iss) => `expected a list of values or { values, maxRows | maxPercent, severity }, got ${describeValue(iss.input)}` },
);

const rangeBound = z.union([z.number(), nonEmpty('a number or an ISO date / timestamp')], {
  error: (iss) => `expected a number or an ISO date / timestamp, got ${describeValue(iss.input)}`,
});

const rangeRule = z
  .strictObject({ min: rangeBound.optional(), max: rangeBound.optional(), exclusive: z.boolean().default(false), ...ruleOptionFields })
  .refine((r) => r.min !== undefined || r.max !== undefined, { error: 'expected min, max or both' })
  .refine((r) => typeof r.min !== typeof r.max || r.min === undefined || r.max === undefined || r.min <= r.max, { error: 'min must not be greater than max' })
  .refine(oneTolerance, ONE_TOLERANCE)
  .transform(({ min, max, exclusive, ...raw }) => ({ min, max, exclusive, ...toOptions(raw) }));

const regexText = nonEmpty('a regular expression');

const patternRule = z.union(
  [
    regexText.transform((regex) => ({ regex, ...DEFAULT_OPTIONS })),
    z
      .strictObject({ regex: regexText, ...ruleOptionFields })
      .refine(oneTolerance, ONE_TOLERANCE)
      .transform(({ regex, ...raw }) => ({ regex, ...toOptions(raw) })),
  ],
  { error: (iss) => `expected a regular expression or { regex, maxRows | maxPercent, severity }, got ${describeValue(iss.input)}` },
);

const referenceRule = z
  .strictObject({ product: productRef, column: columnName, ...ruleOptionFields })
  .refine(oneTolerance, ONE_TOLERANCE)
  .transform(({ product, column, ...raw }) => ({ references: { product, column }, ...toOptions(raw) }));

const expressionRule = z
  .strictObject({ name: idString('a rule name'), expr: nonEmpty('a boolean SQL expression over the product\'s columns'), ...ruleOptionFields })
  .refine(oneTolerance, ONE_TOLERANCE)
  .transform(({ name, expr, ...raw }): ExpressionRule => ({ name, expr, ...toOptions(raw) }));

/** Rules keyed by column (`range: { amount: {...} }`) as a list of rules naming their column. */
function byColumn<T extends z.ZodType<object>>(rule: T, what: string) {
  return z
    .record(columnName, rule, { error: (iss) => `expected a mapping of column names to ${what}, got ${describeValue(iss.input)}` })
    .default({})
    .transform((rules) => Object.entries(rules).map(([column, r]) => ({ column, ...(r as z.output<T>) })));
}

const sqlExpectation = z.strictObject({
  name: idString('a rule name'),
  query: nonEmpty('a SQL query using {{ table }}').refine((q) => q.includes('{{') ? /\{\{\s*table\s*\}\}/.test(q) : true, {
    error: 'the only placeholder is {{ table }}',
  }),
  expect: z.union([z.number(), bounds], { error: (iss) => `expected a number or { min, max }, got ${describeValue(iss.input)}` }),
  severity,
});

const rowCountRule = z
  .strictObject({ min: z.number().optional(), max: z.number().optional(), severity })
  .refine((b) => b.min !== undefined || b.max !== undefined, { error: 'expected min, max or both' })
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, { error: 'min must not be greater than max' });

const contractSchema = z
  .strictObject({
    rowCount: rowCountRule.optional(),
    notNull: z.array(notNullRule, { error: (iss) => `expected a list of column names, got ${describeValue(iss.input)}` }).default([]),
    unique: z.array(uniqueRule, { error: (iss) => `expected a list of column names, got ${describeValue(iss.input)}` }).default([]),
    acceptedValues: z
      .record(z.string(), acceptedValuesRule, { error: (iss) => `expected a mapping of column names to accepted values, got ${describeValue(iss.input)}` })
      .default({})
      .transform((rules) => Object.entries(rules).map(([column, r]): AcceptedValuesRule => ({ column, ...r }))),
    range: byColumn(rangeRule, '{ min, max }'),
    pattern: byColumn(patternRule, 'regular expressions'),
    references: byColumn(referenceRule, '{ product, column }'),
    expressions: z.array(expressionRule, { error: (iss) => `expected a list of { name, expr }, got ${describeValue(iss.input)}` }).default([]),
    sql: z.array(sqlExpectation).default([]),
  })
  .transform((c): Contract => c);



const inputSchema = z.union(
  [
    productRef.transform((product) => ({ product, columns: undefined as string[] | undefined })),
    z.strictObject({ product: productRef, columns: columnList.min(1).optional() }),
  ],
  { error: (iss) => `expected a product id or { product, columns }, got ${describeValue(iss.input)}` },
);

export const productFileSchema = z
  .strictObject({
    id: idString('a product id like sales.orders'),
    name: nonEmpty('a product name').optional(),
    description: z.string().optional(),
    domain: idString('a domain id'),
    tier: z.enum(['open', 'limited', 'restricted'], {
      error: (iss) => `expected one of open, limited, restricted, got ${describeValue(iss.input)}`,
    }),
    table: tableSchema,
    schedule: scheduleText.optional(),
    freshness: z
      .strictObject({
        column: columnName.optional(),
        maxAge: durationSchema,
        warnAge: durationSchema.optional(),
      })
      .refine((f) => f.warnAge === undefined || f.warnAge.ms < f.maxAge.ms, {
        error: 'warnAge must be shorter than maxAge',
        path: ['warnAge'],
      })
      .optional(),
    schema: z
      .strictObject({
        columns: z
          .array(
            z.strictObject({
              name: columnName,
              /** Without a type the column is checked for presence only (sources that declare no types). */
              type: nonEmpty('a SQL type like INTEGER or VARCHAR').optional(),
              nullable: z.boolean().default(true),
            }),
          )
          .min(1, { error: 'expected at least one column' }),
        allowExtraColumns: z.boolean().default(true),
      })
      .optional(),
    contract: contractSchema.optional(),
    inputs: z.array(inputSchema, { error: (iss) => `expected a list of product ids, got ${describeValue(iss.input)}` }).default([]),
    /** Why this product may be less restricted than an input (tier lineage check). */
    tierJustification: nonEmpty('a reason, e.g. "aggregated by country, no person-level rows"').optional(),
    /** When the owner last confirmed the tier (tier audits). */
    tierReviewedAt: dateSchema.optional(),
    /** Breaking changes the consumers were told about: each turns their now-dangling reads into warnings until `until`. */
    breakingChanges: z
      .array(
        z
          .strictObject({
            column: columnName.optional(),
            /** A change that is not about one column: freshness_loosened, tier_stricter, contract_loosened, schema_removed. */
            change: acknowledgeableChange.optional(),
            notice: nonEmpty('a notice for the consumers, e.g. "use marketing_opt_in instead"'),
            until: dateSchema,
          })
          .refine((b) => b.column !== undefined || b.change !== undefined, { error: 'give the column (or the change) this acknowledges' }),
        { error: (iss) => `expected a list of { column, notice, until }, got ${describeValue(iss.input)}` },
      )
      .optional(),
  });

const useSchema = z.union(
  [
    productRef.transform((product) => ({ product, columns: undefined as string[] | undefined })),
    z.strictObject({ product: productRef, columns: columnList.min(1).optional() }),
  ],
  { error: (iss) => `expected a product id or { product, columns }, got ${describeValue(iss.input)}` },
);

export const consumerSchema = z.strictObject({
  id: idString('a consumer id like finance.revenue-dashboard'),
  name: nonEmpty('a consumer name').optional(),
  domain: idString('a domain id'),
  slackChannel: channel.optional(),
  uses: z.array(useSchema).min(1, { error: 'expected at least one product in uses' }),
});

export const consumersFileSchema = z.strictObject({
  consumers: z.array(consumerSchema, { error: (iss) => `expected a list of consumers, got ${describeValue(iss.input)}` }),
});

export type WorkspaceFile = z.infer<typeof workspaceFileSchema>;
export type ProductFile = z.infer<typeof productFileSchema>;
export type ConsumerEntry = z.infer<typeof consumerSchema>;
