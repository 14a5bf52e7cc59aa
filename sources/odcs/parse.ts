/**
 * Reads one ODCS v3 contract (3.0.x or 3.1, whatever its `apiVersion` says)
 * into one normalised shape. zod checks only the parts meshwatch reads;
 * everything else in the file is allowed and ignored.
 *
 * Normalisation (both shapes are real: see SOURCES.md in real-inputs):
 * - quality `rule` (3.0) → `metric` (3.1); a missing `type` is `library`;
 * - `team` as a member array (3.0, deprecated) → `{ members }`;
 * - v2 keys `isNullable` / `isUnique` → `required` / `unique`;
 * - `customProperties` as `[{ property, value }]` → a record;
 * - `description` as text or as `{ purpose, usage, limitations }` → text.
 */
import { z } from 'zod';
import type { Comparison } from '../mapping.js';

const text = z.string();
const optText = z.string().nullish().transform((v) => v ?? undefined);
const looseText = z
  .union([z.string(), z.number(), z.boolean(), z.date()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : v instanceof Date ? v.toISOString() : String(v)));

const customProperties = z
  .array(z.looseObject({ property: z.string(), value: z.unknown() }))
  .nullish()
  .transform((list) => Object.fromEntries((list ?? []).map((p) => [p.property, p.value] as const)) as Record<string, unknown>);

const OPERATORS = [
  'mustBe',
  'mustNotBe',
  'mustBeGreaterThan',
  'mustBeGreaterOrEqualTo',
  'mustBeLessThan',
  'mustBeLessOrEqualTo',
  'mustBeBetween',
  'mustNotBeBetween',
] as const;
/** Spellings of 3.0 drafts and tools, read as the standard's. */
const OPERATOR_ALIASES: Record<string, (typeof OPERATORS)[number]> = {
  mustBeGreaterThanOrEqualTo: 'mustBeGreaterOrEqualTo',
  mustBeLessThanOrEqualTo: 'mustBeLessOrEqualTo',
};

export interface OdcsQuality {
  readonly type: 'library' | 'sql' | 'text' | 'custom' | string;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly metric?: string | undefined;
  readonly arguments: Record<string, unknown>;
  readonly unit?: string | undefined;
  readonly comparison?: Comparison | undefined;
  /** An operator was given but its value is not a number (or a pair for the between forms). */
  readonly badOperator?: string | undefined;
  readonly query?: string | undefined;
  readonly engine?: string | undefined;
  readonly severity?: string | undefined;
}

const qualitySchema = z
  .looseObject({
    type: z.string().nullish(),
    name: optText,
    description: optText,
    metric: z.string().nullish(),
    rule: z.string().nullish(),
    arguments: z.record(z.string(), z.unknown()).nullish(),
    unit: optText,
    query: optText,
    engine: optText,
    severity: optText,
    // Older ODCS had top-level validValues for invalidValues.
    validValues: z.array(z.unknown()).nullish(),
  })
  .transform((q): OdcsQuality => {
    const raw = q as Record<string, unknown>;
    let comparison: Comparison | undefined;
    let badOperator: string | undefined;
    for (const [key, value] of Object.entries(raw)) {
      const op = (OPERATORS as readonly string[]).includes(key) ? (key as (typeof OPERATORS)[number]) : OPERATOR_ALIASES[key];
      if (op === undefined) continue;
      if (op === 'mustBeBetween' || op === 'mustNotBeBetween') {
        if (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number')) comparison = { op, value: [value[0] as number, value[1] as number] };
        else badOperator = key;
      } else if (typeof value === 'number') comparison = { op, value };
      else badOperator = key;
    }
    const args = { ...(q.arguments ?? {}) };
    if (q.validValues && args.validValues === undefined) args.validValues = q.validValues;
    return {
      type: q.type ?? 'library',
      name: q.name,
      description: q.description,
      metric: q.metric ?? q.rule ?? undefined,
      arguments: args,
      unit: q.unit,
      comparison,
      badOperator,
      query: q.query,
      engine: q.engine,
      severity: q.severity,
    };
  });

const qualityList = z.array(qualitySchema).nullish().transform((l) => l ?? []);

export interface OdcsProperty {
  readonly name: string;
  readonly physicalName?: string | undefined;
  readonly logicalType?: string | undefined;
  readonly physicalType?: string | undefined;
  readonly required: boolean;
  readonly unique: boolean;
  readonly primaryKey: boolean;
  readonly primaryKeyPosition?: number | undefined;
  readonly classification?: string | undefined;
  readonly logicalTypeOptions: Record<string, unknown>;
  readonly quality: readonly OdcsQuality[];
  readonly properties: readonly OdcsProperty[];
  readonly customProperties: Record<string, unknown>;
  /** How many 3.1 `relationships` (foreign keys) the property declares. */
  readonly relationships: number;
  /** v2 keys seen in the file (isNullable, isUnique), read as their v3 names. */
  readonly v2Keys: readonly string[];
}

const propertySchema: z.ZodType<OdcsProperty> = z.lazy(() =>
  z
    .looseObject({
      name: text,
      physicalName: optText,
      logicalType: optText,
      physicalType: optText,
      required: z.boolean().nullish(),
      unique: z.boolean().nullish(),
      primaryKey: z.boolean().nullish(),
      primaryKeyPosition: z.number().nullish(),
      isNullable: z.boolean().nullish(),
      isUnique: z.boolean().nullish(),
      classification: optText,
      description: optText,
      logicalTypeOptions: z.record(z.string(), z.unknown()).nullish(),
      quality: qualityList,
      properties: z.array(propertySchema).nullish(),
      relationships: z.array(z.unknown()).nullish(),
      customProperties,
    })
    .transform((p): OdcsProperty => {
      const v2Keys = [p.isNullable != null ? 'isNullable' : '', p.isUnique != null ? 'isUnique' : ''].filter(Boolean);
      return {
        name: p.name,
        physicalName: p.physicalName,
        logicalType: p.logicalType,
        physicalType: p.physicalType,
        required: p.required ?? (p.isNullable === false ? true : false),
        unique: p.unique ?? p.isUnique ?? false,
        primaryKey: p.primaryKey ?? false,
        primaryKeyPosition: p.primaryKeyPosition ?? undefined,
        classification: p.classification,
        logicalTypeOptions: p.logicalTypeOptions ?? {},
        quality: p.quality,
        properties: p.properties ?? [],
        customProperties: p.customProperties,
        relationships: p.relationships?.length ?? 0,
        v2Keys,
      };
    }),
);

export interface OdcsObject {
  readonly name: string;
  readonly businessName?: string | undefined;
  readonly physicalName?: string | undefined;
  readonly physicalType?: string | undefined;
  readonly description?: string | undefined;
  readonly properties: readonly OdcsProperty[];
  readonly quality: readonly OdcsQuality[];
  readonly customProperties: Record<string, unknown>;
  /** How many 3.1 `relationships` the object declares. */
  readonly relationships: number;
}

const objectSchema = z
  .looseObject({
    name: text,
    physicalName: optText,
    physicalType: optText,
    businessName: optText,
    description: z.string({ error: (iss) => `expected a text description, got ${iss.input === null ? 'null' : typeof iss.input}` }).optional(),
    properties: z.array(propertySchema).nullish(),
    quality: qualityList,
    relationships: z.array(z.unknown()).nullish(),
    customProperties,
  })
  .transform(
    (o): OdcsObject => ({
      relationships: o.relationships?.length ?? 0,
      name: o.name,
      physicalName: o.physicalName,
      physicalType: o.physicalType,
      businessName: o.businessName,
      description: o.description,
      properties: o.properties ?? [],
      quality: o.quality,
      customProperties: o.customProperties,
    }),
  );

export interface OdcsServer {
  readonly server: string;
  readonly type: string;
  readonly database?: string | undefined;
  readonly schema?: string | undefined;
  readonly catalog?: string | undefined;
  readonly project?: string | undefined;
  readonly dataset?: string | undefined;
}

const serverSchema = z
  .looseObject({
    server: looseText,
    type: text,
    database: optText,
    schema: optText,
    catalog: optText,
    project: optText,
    dataset: optText,
  })
  .transform((s): OdcsServer => ({ ...s, server: s.server ?? s.type }));

export interface OdcsSla {
  readonly property: string;
  readonly value: unknown;
  readonly unit?: string | undefined;
  readonly element?: string | undefined;
}

const slaSchema = z.looseObject({ property: text, value: z.unknown(), unit: optText, element: optText });

export interface OdcsMember {
  readonly username?: string | undefined;
  readonly name?: string | undefined;
  readonly role?: string | undefined;
  readonly dateOut?: string | undefined;
}
const memberSchema = z.looseObject({ username: looseText, name: looseText, role: looseText, dateOut: looseText });

export interface OdcsTeam {
  readonly name?: string | undefined;
  readonly members: readonly OdcsMember[];
}
const teamSchema = z
  .union([z.array(memberSchema), z.looseObject({ name: optText, members: z.array(memberSchema).nullish() })], {
    error: 'expected a team object { name, members } or a list of members',
  })
  .nullish()
  .transform((t): OdcsTeam | undefined => {
    if (t === null || t === undefined) return undefined;
    if (Array.isArray(t)) return { members: t };
    return { name: t.name, members: t.members ?? [] };
  });

export interface OdcsSupport {
  readonly channel?: string | undefined;
  readonly tool?: string | undefined;
  readonly url?: string | undefined;
}
const supportSchema = z.looseObject({ channel: looseText, tool: optText, url: optText });

const descriptionSchema = z
  .union([z.string(), z.looseObject({ purpose: optText, usage: optText, limitations: optText })])
  .nullish()
  .transform((d) => (typeof d === 'string' ? d : d?.purpose ?? undefined));

export interface OdcsContract {
  readonly apiVersion: string;
  readonly id: string;
  readonly name?: string | undefined;
  readonly version: string;
  readonly status: string;
  readonly domain?: string | undefined;
  readonly dataProduct?: string | undefined;
  readonly description?: string | undefined;
  readonly servers: readonly OdcsServer[];
  readonly schema: readonly OdcsObject[];
  readonly slaProperties: readonly OdcsSla[];
  readonly slaDefaultElement?: string | undefined;
  readonly team?: OdcsTeam | undefined;
  readonly support: readonly OdcsSupport[];
  readonly customProperties: Record<string, unknown>;
}

/** The standard's required top-level fields; `kind` must be DataContract and the version a v3. */
export const odcsContractSchema = z
  .looseObject({
    apiVersion: z
      .string({ error: (iss) => (iss.input === undefined ? 'apiVersion is required (e.g. v3.1.0)' : 'expected an apiVersion like v3.1.0') })
      .refine((v) => /^v3\.\d+\.\d+$/.test(v), {
        error: (iss) => `apiVersion ${JSON.stringify(iss.input)} is not ODCS v3 (v3.0.x or v3.1.x are read; convert older contracts to v3)`,
      }),
    kind: z.literal('DataContract', { error: (iss) => (iss.input === undefined ? 'kind is required (DataContract)' : 'expected kind: DataContract') }),
    id: looseText.refine((v) => v !== undefined, { error: 'id is required' }),
    version: looseText.refine((v) => v !== undefined, { error: 'version is required' }),
    status: looseText.refine((v) => v !== undefined, { error: 'status is required' }),
    name: optText,
    domain: optText,
    dataProduct: optText,
    description: descriptionSchema,
    servers: z.array(serverSchema).nullish(),
    schema: z.array(objectSchema).nullish(),
    slaProperties: z.array(slaSchema).nullish(),
    slaDefaultElement: optText,
    team: teamSchema,
    support: z.array(supportSchema).nullish(),
    customProperties,
  })
  .transform(
    (c): OdcsContract => ({
      apiVersion: c.apiVersion,
      id: c.id!,
      name: c.name,
      version: c.version!,
      status: c.status!,
      domain: c.domain,
      dataProduct: c.dataProduct,
      description: c.description,
      servers: c.servers ?? [],
      schema: c.schema ?? [],
      slaProperties: c.slaProperties ?? [],
      slaDefaultElement: c.slaDefaultElement,
      team: c.team,
      support: c.support ?? [],
      customProperties: c.customProperties,
    }),
  );
