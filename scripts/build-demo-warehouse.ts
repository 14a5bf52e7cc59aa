/**
 * Builds the DuckDB warehouse behind the demo mesh (`examples/demo-mesh`):
 * Kestrel Motor Group, a fictional UK & Ireland car retailer. Every table of
 * every product in `examples/demo-mesh/products/*.yaml` is created with its
 * declared columns (types and NOT NULL as declared) and a few dozen to a few
 * hundred plausible rows.
 *
 * Deterministic: a seeded PRNG per table, and every timestamp and date is
 * relative to `now`, so the same `now` gives the same rows. Nothing reads the
 * clock except the CLI default for `now`. TIMESTAMP columns hold UTC
 * wall-clock times (DuckDB TIMESTAMP has no zone), DATE columns UTC days.
 *
 * All products pass all their checks (freshness, schema incl. types and
 * nullability, contract) EXCEPT these four planted problems:
 *
 *  a. STALE: `inventory.vehicles` was last loaded 5 h before `now`
 *     (max(updated_at) = now - 5h; maxAge 2h). The DMS export stopped.
 *  b. DROPPED COLUMN: `crm.customers` lacks `consent_marketing` (declared
 *     BOOLEAN NOT NULL): a CRM release renamed it to `marketing_opt_in`.
 *     Hurt (they list the column): marketing.email-campaigns,
 *     compliance.gdpr-consent-register, and through column lineage the
 *     product marketing.customer-segments (whose consumer is
 *     marketing.email-campaigns). Not hurt (they list other columns only):
 *     sales.showroom-lead-routing, aftersales.service-reminders,
 *     leasing.credit-decisioning, and downstream products sales.deals,
 *     ecommerce.orders, crm.customer-360, leasing.contracts.
 *  c. CONTRACT: `aftersales.service-orders` has 5 rows with status
 *     'awaiting_parts', which is not in acceptedValues.status (a new DMS
 *     status). Everything else about the product is healthy.
 *  d. STALE BECAUSE UPSTREAM IS STALE: `inventory.stock-levels` (inputs:
 *     inventory.vehicles, inventory.dealers) is rebuilt after each vehicle
 *     load, so its max(updated_at) = now - 4h55m (maxAge 3h). Root cause (a).
 *
 * Usage: node dist/scripts/build-demo-warehouse.js OUT.duckdb [ISO-TIME]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { prng } from './prng.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The planted problems, for the demo and its tests to refer to. */
export const PLANTED_PROBLEMS = {
  stale: { product: 'inventory.vehicles', lastUpdateAgoMs: 5 * HOUR },
  droppedColumn: { product: 'crm.customers', column: 'consent_marketing', renamedTo: 'marketing_opt_in' },
  contract: { product: 'aftersales.service-orders', column: 'status', value: 'awaiting_parts', rows: 5 },
  staleUpstream: { product: 'inventory.stock-levels', rootCause: 'inventory.vehicles', lastUpdateAgoMs: 5 * HOUR - 5 * MINUTE },
} as const;

// ---------------------------------------------------------------------------
// Deterministic randomness and SQL literals

/** Seeded randomness for the demo data (see prng.ts). */
class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of choices) {
      r -= weight;
      if (r < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** A time in [from, to]. */
  between(from: Date, to: Date): Date {
    const span = Math.max(0, to.getTime() - from.getTime());
    return new Date(from.getTime() + Math.floor(this.next() * span));
  }
}

/** A value already written as SQL (DATE and DECIMAL literals). */
class Sql {
  constructor(readonly sql: string) {}
}

type Value = string | number | boolean | null | Date | Sql;

function timestampText(t: Date): string {
  return t.toISOString().replace('T', ' ').replace('Z', '');
}

function lit(value: Value): string {
  if (value === null) return 'NULL';
  if (value instanceof Sql) return value.sql;
  if (value instanceof Date) return `TIMESTAMP '${timestampText(value)}'`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** DATE literal for the UTC calendar day of `t`. */
function day(t: Date): Sql {
  return new Sql(`DATE '${t.toISOString().slice(0, 10)}'`);
}

/** DECIMAL literal from an integer number of pence (or cents). */
function money(pence: number): Sql {
  const rounded = Math.round(pence);
  const sign = rounded < 0 ? '-' : '';
  const abs = Math.abs(rounded);
  return new Sql(`${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`);
}

/** Rounds pounds to a retail price ending in 95 (e.g. 24,995). */
function retailPricePence(pounds: number): number {
  return (Math.max(1, Math.round(pounds / 100)) * 100 - 5) * 100;
}

async function insert(connection: DuckDBConnection, table: string, columns: readonly string[], rows: readonly Value[][]): Promise<void> {
  if (rows.length === 0) return;
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`${table}: row has ${row.length} values for ${columns.length} columns`);
  }
  const values = rows.map((row) => `(${row.map(lit).join(', ')})`).join(',\n');
  await connection.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES\n${values}`);
}

// ---------------------------------------------------------------------------
// Reference data

interface Dealer {
  readonly id: number;
  readonly name: string;
  readonly brand: string;
  readonly city: string;
  readonly region: string;
  readonly country: 'GB' | 'IE';
  readonly active: boolean;
}

const DEALER_ROWS: ReadonlyArray<readonly [string, string, string, string, 'GB' | 'IE']> = [
  ['Kestrel BMW Edinburgh', 'BMW', 'Edinburgh', 'Scotland', 'GB'],
  ['Kestrel Volkswagen Glasgow', 'Volkswagen', 'Glasgow', 'Scotland', 'GB'],
  ['Kestrel Ford Aberdeen', 'Ford', 'Aberdeen', 'Scotland', 'GB'],
  ['Kestrel Ford Newcastle', 'Ford', 'Newcastle upon Tyne', 'North', 'GB'],
  ['Kestrel Toyota Leeds', 'Toyota', 'Leeds', 'North', 'GB'],
  ['Kestrel Audi Manchester', 'Audi', 'Manchester', 'North', 'GB'],
  ['Kestrel Kia Sheffield', 'Kia', 'Sheffield', 'North', 'GB'],
  ['Kestrel Used Car Centre Warrington', 'Multi-brand', 'Warrington', 'North', 'GB'],
  ['Kestrel BMW Birmingham', 'BMW', 'Birmingham', 'Midlands', 'GB'],
  ['Kestrel Ford Nottingham', 'Ford', 'Nottingham', 'Midlands', 'GB'],
  ['Kestrel Volkswagen Leicester', 'Volkswagen', 'Leicester', 'Midlands', 'GB'],
  ['Kestrel Audi Park Royal', 'Audi', 'London', 'London', 'GB'],
  ['Kestrel Mercedes-Benz Croydon', 'Mercedes-Benz', 'London', 'London', 'GB'],
  ['Kestrel Toyota Stratford', 'Toyota', 'London', 'London', 'GB'],
  ['Kestrel Kia Reading', 'Kia', 'Reading', 'South East', 'GB'],
  ['Kestrel BMW Guildford', 'BMW', 'Guildford', 'South East', 'GB'],
  ['Kestrel Volkswagen Brighton', 'Volkswagen', 'Brighton', 'South East', 'GB'],
  ['Kestrel Used Car Centre Milton Keynes', 'Multi-brand', 'Milton Keynes', 'South East', 'GB'],
  ['Kestrel Ford Bristol', 'Ford', 'Bristol', 'South West', 'GB'],
  ['Kestrel Mercedes-Benz Exeter', 'Mercedes-Benz', 'Exeter', 'South West', 'GB'],
  ['Kestrel Toyota Cardiff', 'Toyota', 'Cardiff', 'Wales', 'GB'],
  ['Kestrel Kia Swansea', 'Kia', 'Swansea', 'Wales', 'GB'],
  ['Kestrel Audi Dublin', 'Audi', 'Dublin', 'Ireland', 'IE'],
  ['Kestrel Volkswagen Cork', 'Volkswagen', 'Cork', 'Ireland', 'IE'],
];

const DEALERS: readonly Dealer[] = DEALER_ROWS.map(([name, brand, city, region, country], i) => ({
  id: 101 + i,
  name,
  brand,
  city,
  region,
  country,
  // Aberdeen closed its doors; it stays in the master data, inactive.
  active: city !== 'Aberdeen',
}));

type Fuel = 'petrol' | 'diesel' | 'hybrid' | 'electric';

interface ModelSpec {
  readonly model: string;
  /** New list price in pounds. */
  readonly price: number;
  /** The fuel types the model is sold with; default petrol, diesel or hybrid. */
  readonly fuels?: readonly Fuel[];
}

interface BrandSpec {
  readonly wmi: string;
  readonly trims: readonly string[];
  readonly models: readonly ModelSpec[];
}

const BRANDS: Readonly<Record<string, BrandSpec>> = {
  BMW: {
    wmi: 'WBA',
    trims: ['SE', 'Sport', 'M Sport', 'M Sport Pro'],
    models: [
      { model: '1 Series', price: 31_000 },
      { model: '3 Series', price: 41_000 },
      { model: 'X1', price: 38_500 },
      { model: 'X3', price: 50_000 },
      { model: 'i4', price: 51_000, fuels: ['electric'] },
      { model: 'iX1', price: 45_500, fuels: ['electric'] },
    ],
  },
  Volkswagen: {
    wmi: 'WVW',
    trims: ['Life', 'Style', 'R-Line', 'Match'],
    models: [
      { model: 'Polo', price: 21_000 },
      { model: 'Golf', price: 28_500 },
      { model: 'T-Roc', price: 29_000 },
      { model: 'Tiguan', price: 36_000 },
      { model: 'ID.3', price: 37_000, fuels: ['electric'] },
      { model: 'ID.4', price: 44_000, fuels: ['electric'] },
    ],
  },
  Ford: {
    wmi: 'WF0',
    trims: ['Titanium', 'ST-Line', 'Active', 'Vignale'],
    models: [
      { model: 'Fiesta', price: 19_500, fuels: ['petrol'] },
      { model: 'Focus', price: 25_500 },
      { model: 'Puma', price: 26_500 },
      { model: 'Kuga', price: 33_000 },
      { model: 'Mustang Mach-E', price: 50_500, fuels: ['electric'] },
      { model: 'Ranger', price: 37_500, fuels: ['diesel'] },
    ],
  },
  Toyota: {
    wmi: 'SB1',
    trims: ['Icon', 'Design', 'Excel', 'GR Sport'],
    models: [
      { model: 'Yaris', price: 22_500, fuels: ['hybrid'] },
      { model: 'Corolla', price: 30_500, fuels: ['hybrid'] },
      { model: 'C-HR', price: 32_500, fuels: ['hybrid'] },
      { model: 'RAV4', price: 38_500, fuels: ['hybrid'] },
      { model: 'bZ4X', price: 46_000, fuels: ['electric'] },
    ],
  },
  Audi: {
    wmi: 'WAU',
    trims: ['Sport', 'S line', 'Black Edition', 'Vorsprung'],
    models: [
      { model: 'A1', price: 24_500 },
      { model: 'A3', price: 31_500 },
      { model: 'A4', price: 39_500 },
      { model: 'Q3', price: 38_000 },
      { model: 'Q5', price: 50_500 },
      { model: 'Q4 e-tron', price: 50_000, fuels: ['electric'] },
    ],
  },
  Kia: {
    wmi: 'U5Y',
    trims: ['2', '3', 'GT-Line', 'GT-Line S'],
    models: [
      { model: 'Picanto', price: 14_500, fuels: ['petrol'] },
      { model: 'Ceed', price: 23_500 },
      { model: 'Sportage', price: 31_000 },
      { model: 'Niro', price: 30_000, fuels: ['hybrid', 'electric'] },
      { model: 'EV6', price: 46_000, fuels: ['electric'] },
    ],
  },
  'Mercedes-Benz': {
    wmi: 'WDD',
    trims: ['Sport', 'AMG Line', 'AMG Line Premium'],
    models: [
      { model: 'A-Class', price: 33_000 },
      { model: 'C-Class', price: 45_500 },
      { model: 'GLA', price: 40_000 },
      { model: 'GLC', price: 55_000 },
      { model: 'EQA', price: 48_000, fuels: ['electric'] },
    ],
  },
};
const BRAND_NAMES = Object.keys(BRANDS);

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

function vin(rng: Rng, brand: string, serial: number): string {
  let middle = '';
  for (let i = 0; i < 8; i++) middle += VIN_CHARS[Math.floor(rng.next() * VIN_CHARS.length)];
  return `${BRANDS[brand]!.wmi}${middle}${String(serial).padStart(6, '0')}`;
}

// ---------------------------------------------------------------------------
// Source tables, generated row by row

interface Vehicle {
  readonly vin: string;
  readonly dealerId: number;
  readonly make: string;
  readonly model: string;
  readonly modelYear: number;
  readonly trim: string | null;
  readonly condition: 'new' | 'used' | 'demo';
  readonly mileage: number;
  readonly status: 'in_transit' | 'in_stock' | 'reserved' | 'sold';
  readonly listPence: number;
  readonly acquiredAt: Date;
  readonly updatedAt: Date;
}

function makeVehicles(now: Date, lastLoad: Date): Vehicle[] {
  const rng = new Rng(1001);
  const active = DEALERS.filter((d) => d.active);
  const year = now.getUTCFullYear();
  const vehicles: Vehicle[] = [];
  for (let i = 0; i < 120; i++) {
    const dealer = rng.pick(active);
    const multiBrand = dealer.brand === 'Multi-brand';
    const make = multiBrand ? rng.pick(BRAND_NAMES) : dealer.brand;
    const brand = BRANDS[make]!;
    const spec = rng.pick(brand.models);
    const condition = multiBrand ? 'used' : rng.weighted([['new', 45], ['used', 45], ['demo', 10]] as const);
    const age = condition === 'new' ? rng.int(0, 1) : condition === 'demo' ? 1 : rng.int(1, 7);
    const mileage = condition === 'new' ? rng.int(5, 60) : condition === 'demo' ? rng.int(1_500, 9_000) : rng.int(8_000 * age, 18_000 * age);
    const value = spec.price * (condition === 'new' ? 1 : condition === 'demo' ? 0.88 : 0.86 ** age) * (1 - mileage / 1_000_000);
    const status = rng.weighted([['in_transit', 10], ['in_stock', 58], ['reserved', 12], ['sold', 20]] as const);
    const acquiredAt = new Date(lastLoad.getTime() - DAY - rng.int(0, 120) * DAY - rng.int(0, 12) * HOUR);
    // The last load touched every 6th vehicle; the others changed earlier.
    const updatedAt = i % 6 === 0 ? lastLoad : rng.between(new Date(Math.max(acquiredAt.getTime(), lastLoad.getTime() - 20 * DAY)), lastLoad);
    vehicles.push({
      vin: vin(rng, make, 100_000 + i),
      dealerId: dealer.id,
      make,
      model: spec.model,
      modelYear: year - age,
      trim: rng.chance(0.1) ? null : rng.pick(brand.trims),
      condition,
      mileage,
      status,
      listPence: retailPricePence(value),
      acquiredAt,
      updatedAt,
    });
  }
  return vehicles;
}

const FIRST_NAMES = [
  'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Mia', 'Noah', 'Grace', 'Charlie', 'Sophie', 'Thomas', 'Emily',
  'James', 'Freya', 'William', 'Chloe', 'Aoife', 'Ciaran', 'Siobhan', 'Rhys', 'Megan', 'Callum', 'Eilidh', 'Priya', 'Arjun', 'Fatima', 'Yusuf', 'Zara',
];
const LAST_NAMES = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Roberts', 'Johnson', 'Walker', 'Wright',
  'Robinson', 'Thompson', "O'Brien", 'Murphy', 'Kelly', 'MacDonald', 'Campbell', 'Patel', 'Khan', 'Hughes', 'Edwards', 'Green', 'Hall',
];
const GB_POSTCODE_AREAS = ['EH3', 'G12', 'NE1', 'LS6', 'M20', 'S10', 'B15', 'NG7', 'LE2', 'W5', 'CR0', 'E15', 'RG1', 'GU1', 'BN1', 'BS8', 'EX4', 'CF10', 'SA1', 'MK9', 'WA1'];
const IE_ROUTING_KEYS = ['D02', 'D04', 'D06', 'T12', 'T23'];
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

interface Customer {
  readonly id: number;
  readonly first: string;
  readonly last: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly birth: Date | null;
  readonly postcode: string | null;
  readonly country: 'GB' | 'IE';
  readonly type: 'private' | 'business' | 'fleet';
  readonly optIn: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

function makeCustomers(now: Date): Customer[] {
  const rng = new Rng(2002);
  const lastSync = new Date(now.getTime() - 25 * MINUTE);
  const customers: Customer[] = [];
  for (let i = 0; i < 160; i++) {
    const id = 200_001 + i;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const country = rng.chance(0.1) ? 'IE' : 'GB';
    const type = rng.weighted([['private', 80], ['business', 12], ['fleet', 8]] as const);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    const email = rng.chance(0.9) ? `${local}${id % 1000}@example.com` : null;
    const phone = rng.chance(0.85)
      ? country === 'GB'
        ? `07700 900${String(rng.int(0, 999)).padStart(3, '0')}`
        : `+353 85 555 ${String(rng.int(0, 9999)).padStart(4, '0')}`
      : null;
    const letters = () => `${rng.pick([...POSTCODE_LETTERS])}${rng.pick([...POSTCODE_LETTERS])}`;
    const postcode = rng.chance(0.95)
      ? country === 'GB'
        ? `${rng.pick(GB_POSTCODE_AREAS)} ${rng.int(1, 9)}${letters()}`
        : `${rng.pick(IE_ROUTING_KEYS)} ${letters()}${rng.int(10, 99)}`
      : null;
    const birth = type === 'private' ? new Date(now.getTime() - rng.int(18 * 365 + 5, 82 * 365) * DAY) : null;
    const createdAt = new Date(lastSync.getTime() - rng.int(30, 3_000) * DAY - rng.int(0, 23) * HOUR);
    const updatedAt = i % 10 === 0 ? lastSync : rng.between(createdAt, lastSync);
    customers.push({ id, first, last, email, phone, birth, postcode, country, type, optIn: rng.chance(0.55), createdAt, updatedAt });
  }
  return customers;
}

interface Deal {
  readonly id: number;
  readonly vin: string;
  readonly dealerId: number;
  readonly customerId: number;
  readonly salespersonId: number;
  readonly dealAt: Date;
  readonly salePence: number;
  readonly discountPence: number;
  readonly tradeInPence: number | null;
  readonly paymentType: 'cash' | 'loan' | 'lease';
  readonly leadSource: string | null;
  readonly status: 'quoted' | 'signed' | 'delivered' | 'cancelled';
  readonly updatedAt: Date;
}

function makeDeals(now: Date, vehicles: readonly Vehicle[], customers: readonly Customer[]): Deal[] {
  const rng = new Rng(3003);
  const lastChange = new Date(now.getTime() - 12 * MINUTE);
  const active = DEALERS.filter((d) => d.active);
  interface Sale {
    vin: string;
    dealerId: number;
    listPence: number;
    status: Deal['status'];
    daysAgo: number;
  }
  const sales: Sale[] = [];
  for (const v of vehicles) {
    if (v.status === 'sold') sales.push({ vin: v.vin, dealerId: v.dealerId, listPence: v.listPence, status: rng.chance(0.7) ? 'delivered' : 'signed', daysAgo: rng.int(0, 25) });
    if (v.status === 'reserved') sales.push({ vin: v.vin, dealerId: v.dealerId, listPence: v.listPence, status: rng.chance(0.5) ? 'signed' : 'quoted', daysAgo: rng.int(0, 10) });
  }
  // Earlier deals on cars that have left the stock table.
  for (let i = 0; i < 40; i++) {
    const dealer = rng.pick(active);
    const make = dealer.brand === 'Multi-brand' ? rng.pick(BRAND_NAMES) : dealer.brand;
    const spec = rng.pick(BRANDS[make]!.models);
    sales.push({
      vin: vin(rng, make, 300_000 + i),
      dealerId: dealer.id,
      listPence: retailPricePence(spec.price * (rng.chance(0.5) ? 1 : 0.86 ** rng.int(1, 5))),
      status: rng.chance(0.85) ? 'delivered' : 'cancelled',
      daysAgo: rng.int(26, 150),
    });
  }
  return sales.map((sale, i) => {
    const dealAt = new Date(lastChange.getTime() - sale.daysAgo * DAY - rng.int(0, 8) * HOUR);
    const discountPence = Math.round((sale.listPence * rng.int(0, 8)) / 100 / 100) * 100;
    return {
      id: 700_001 + i,
      vin: sale.vin,
      dealerId: sale.dealerId,
      customerId: rng.pick(customers).id,
      salespersonId: sale.dealerId * 100 + rng.int(1, 6),
      dealAt,
      salePence: sale.listPence - discountPence,
      discountPence,
      tradeInPence: rng.chance(0.4) ? rng.int(20, 150) * 10_000 : null,
      paymentType: rng.weighted([['cash', 35], ['loan', 35], ['lease', 30]] as const),
      leadSource: rng.chance(0.1) ? null : rng.weighted([['walk_in', 30], ['website', 35], ['phone', 10], ['referral', 10], ['campaign', 15]] as const),
      status: sale.status,
      updatedAt: i === 0 ? lastChange : rng.between(dealAt, new Date(Math.min(lastChange.getTime(), dealAt.getTime() + 3 * DAY))),
    };
  });
}

interface ServiceOrder {
  readonly id: number;
  readonly dealerId: number;
  readonly vin: string;
  readonly customerId: number;
  readonly serviceType: string;
  status: string;
  readonly openedAt: Date;
  readonly closedAt: Date | null;
  readonly labourQuarterHours: number;
  readonly partsPence: number;
  readonly updatedAt: Date;
}

const LABOUR_RATE_PENCE = 14_500;

function makeServiceOrders(now: Date, deals: readonly Deal[], customers: readonly Customer[]): ServiceOrder[] {
  const rng = new Rng(4004);
  const lastChange = new Date(now.getTime() - 8 * MINUTE);
  const active = DEALERS.filter((d) => d.active);
  const deliveredVins = deals.filter((d) => d.status === 'delivered');
  const orders: ServiceOrder[] = [];
  for (let i = 0; i < 140; i++) {
    // The first 14 orders are in the workshop now; the rest are from the last 60 days.
    const current = i < 14;
    const openedAt = current ? new Date(lastChange.getTime() - rng.int(1, 40) * HOUR) : new Date(lastChange.getTime() - rng.int(2, 60) * DAY - rng.int(0, 10) * HOUR);
    const fromDeal = rng.chance(0.4) ? rng.pick(deliveredVins) : undefined;
    const dealerId = fromDeal?.dealerId ?? rng.pick(active).id;
    const make = rng.pick(BRAND_NAMES);
    // MOT tests are done while the customer waits, so none are still in the workshop.
    const serviceType = current
      ? rng.weighted([['maintenance', 40], ['repair', 40], ['tyres', 10], ['warranty', 10]] as const)
      : rng.weighted([['maintenance', 35], ['mot', 20], ['repair', 25], ['tyres', 10], ['warranty', 10]] as const);
    const status = current ? (i % 2 === 0 ? 'in_progress' : 'open') : rng.weighted([['completed', 55], ['invoiced', 40], ['cancelled', 5]] as const);
    const closedAt = current ? null : new Date(Math.min(lastChange.getTime(), openedAt.getTime() + rng.int(2, 48) * HOUR));
    const labourQuarterHours = status === 'cancelled' ? 0 : serviceType === 'mot' ? 3 : rng.int(2, 32);
    const partsPence =
      status === 'cancelled' || serviceType === 'mot' || serviceType === 'warranty'
        ? 0
        : serviceType === 'repair'
          ? rng.int(80, 1_500) * 100 + rng.int(0, 99)
          : serviceType === 'tyres'
            ? rng.int(180, 800) * 100
            : rng.int(40, 250) * 100 + rng.int(0, 99);
    const lastTouch = closedAt ?? openedAt;
    orders.push({
      id: 800_001 + i,
      dealerId,
      vin: fromDeal?.vin ?? vin(rng, make, 400_000 + i),
      customerId: fromDeal?.customerId ?? rng.pick(customers).id,
      serviceType,
      status,
      openedAt,
      closedAt,
      labourQuarterHours,
      partsPence,
      updatedAt: i === 0 ? lastChange : rng.between(lastTouch, new Date(Math.min(lastChange.getTime(), lastTouch.getTime() + 2 * DAY))),
    });
  }
  return orders;
}

interface Listing {
  readonly id: number;
  readonly vehicle: Vehicle;
  readonly status: 'active' | 'reserved' | 'sold' | 'withdrawn';
  readonly photos: number;
  readonly publishedAt: Date;
  readonly updatedAt: Date;
}

function makeListings(now: Date, vehicles: readonly Vehicle[]): Listing[] {
  const rng = new Rng(5005);
  const lastChange = new Date(now.getTime() - 5 * MINUTE);
  return vehicles
    .filter((v) => v.status !== 'in_transit')
    .map((vehicle, i) => {
      const status =
        vehicle.status === 'reserved' ? 'reserved' : vehicle.status === 'sold' ? 'sold' : vehicle.mileage > 90_000 ? 'withdrawn' : 'active';
      const publishedAt = new Date(vehicle.acquiredAt.getTime() + 2 * HOUR);
      return {
        id: 500_001 + i,
        vehicle,
        status,
        photos: status === 'withdrawn' ? 0 : rng.int(6, 32),
        publishedAt,
        updatedAt: i === 0 ? lastChange : rng.between(new Date(Math.max(publishedAt.getTime(), lastChange.getTime() - 3 * DAY)), lastChange),
      };
    });
}

function makeOrders(now: Date, customers: readonly Customer[], listings: readonly Listing[]): Value[][] {
  const rng = new Rng(6006);
  const lastChange = new Date(now.getTime() - 3 * MINUTE);
  const reservable = listings.filter((l) => l.status === 'reserved' || l.status === 'sold');
  const rows: Value[][] = [];
  for (let i = 0; i < 90; i++) {
    const customer = rng.pick(customers);
    const type = rng.weighted([['vehicle_reservation', 30], ['accessories', 50], ['service_plan', 20]] as const);
    const pence =
      type === 'vehicle_reservation' ? rng.pick([9_900, 25_000, 50_000]) : type === 'accessories' ? rng.int(15, 600) * 100 + rng.pick([0, 50, 99]) : rng.int(199, 799) * 100;
    const orderedAt = new Date(lastChange.getTime() - rng.int(0, 45) * DAY - rng.int(0, 23 * 60) * MINUTE);
    const updatedAt = i === 0 ? lastChange : rng.between(orderedAt, new Date(Math.min(lastChange.getTime(), orderedAt.getTime() + 5 * DAY)));
    rows.push([
      600_001 + i,
      customer.id,
      type === 'vehicle_reservation' ? rng.pick(reservable).id : null,
      type,
      money(pence),
      customer.country === 'IE' ? 'EUR' : 'GBP',
      rng.weighted([['placed', 10], ['paid', 25], ['fulfilled', 50], ['refunded', 8], ['cancelled', 7]] as const),
      orderedAt,
      updatedAt,
    ]);
  }
  return rows;
}

interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly channel: 'paid_search' | 'paid_social' | 'email' | 'display';
  readonly dailyBudgetPounds: number;
}

const CAMPAIGNS: readonly Campaign[] = [
  { id: 'CMP-2401', name: 'Spring EV Event', channel: 'paid_search', dailyBudgetPounds: 900 },
  { id: 'CMP-2402', name: 'Approved Used Summer Sale', channel: 'paid_social', dailyBudgetPounds: 650 },
  { id: 'CMP-2403', name: 'Service Plan Reminder', channel: 'email', dailyBudgetPounds: 40 },
  { id: 'CMP-2404', name: 'Trade-in Tuesday', channel: 'display', dailyBudgetPounds: 300 },
  { id: 'CMP-2405', name: 'Fleet & Business Offers', channel: 'paid_search', dailyBudgetPounds: 450 },
  { id: 'CMP-2406', name: 'New Model Launch: Kia EV3', channel: 'paid_social', dailyBudgetPounds: 700 },
];

const LANDING_PAGES = [
  '/', '/used-cars', '/new-cars', '/electric', '/finance', '/service/book', '/offers/spring-ev-event', '/offers/approved-used',
  '/used-cars/bmw/3-series', '/used-cars/ford/puma', '/new-cars/kia/ev6', '/part-exchange', '/locations',
];

function makeWebSessions(now: Date, customers: readonly Customer[]): Value[][] {
  const rng = new Rng(7007);
  const lastChange = new Date(now.getTime() - 2 * MINUTE);
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  const rows: Value[][] = [];
  for (let i = 0; i < 300; i++) {
    const channel = rng.weighted([['organic_search', 34], ['paid_search', 18], ['paid_social', 14], ['email', 8], ['direct', 20], ['referral', 6]] as const);
    const campaigns = CAMPAIGNS.filter((c) => c.channel === channel);
    const startedAt = new Date(lastChange.getTime() - rng.int(1, 14 * 24 * 60) * MINUTE);
    const pageViews = rng.weighted([[1, 30], [rng.int(2, 6), 50], [rng.int(7, 25), 20]] as const);
    rows.push([
      `s-${hex(4)}${String(i).padStart(4, '0')}${hex(4)}`,
      `v-${hex(10)}`,
      rng.chance(0.2) ? rng.pick(customers).id : null,
      channel,
      campaigns.length > 0 && rng.chance(0.9) ? rng.pick(campaigns).id : null,
      rng.pick(LANDING_PAGES),
      rng.weighted([['mobile', 62], ['desktop', 31], ['tablet', 7]] as const),
      pageViews,
      pageViews > 2 && rng.chance(0.12),
      startedAt,
      i === 0 ? lastChange : new Date(Math.min(lastChange.getTime(), startedAt.getTime() + pageViews * rng.int(20, 90) * 1000)),
    ]);
  }
  return rows;
}

function makeCampaignPerformance(now: Date, builtAt: Date): Value[][] {
  const rng = new Rng(8008);
  const rows: Value[][] = [];
  for (let d = 1; d <= 14; d++) {
    const reportDate = day(new Date(now.getTime() - d * DAY));
    for (const c of CAMPAIGNS) {
      const spendPence = Math.round(c.dailyBudgetPounds * (0.75 + rng.next() * 0.3) * 100);
      const impressions = c.channel === 'email' ? rng.int(3_000, 4_500) : Math.round((spendPence / 100) * rng.int(120, 260));
      const clicks = Math.round(impressions * (c.channel === 'email' ? 0.04 + rng.next() * 0.03 : 0.006 + rng.next() * 0.02));
      const sessions = Math.round(clicks * (0.8 + rng.next() * 0.15));
      const leads = Math.round(sessions * (0.02 + rng.next() * 0.04));
      rows.push([reportDate, c.id, c.name, c.channel, money(spendPence), impressions, clicks, sessions, leads, rng.int(0, Math.min(leads, 3)), builtAt]);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------
// DDL: exactly the declared columns of each product, NOT NULL where declared.
// The one deliberate difference is planted problem (b) in crm.customers.

const DDL = `
CREATE SCHEMA inventory;
CREATE SCHEMA sales;
CREATE SCHEMA aftersales;
CREATE SCHEMA crm;
CREATE SCHEMA ecommerce;
CREATE SCHEMA finance;
CREATE SCHEMA leasing;
CREATE SCHEMA marketing;

CREATE TABLE inventory.dealers (
  dealer_id INTEGER NOT NULL, dealer_name VARCHAR NOT NULL, brand VARCHAR NOT NULL, city VARCHAR NOT NULL,
  region VARCHAR NOT NULL, country VARCHAR NOT NULL, opened_on DATE NOT NULL, is_active BOOLEAN NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE inventory.vehicles (
  vin VARCHAR NOT NULL, stock_number VARCHAR NOT NULL, dealer_id INTEGER NOT NULL, make VARCHAR NOT NULL,
  model VARCHAR NOT NULL, model_year INTEGER NOT NULL, trim_level VARCHAR, fuel_type VARCHAR NOT NULL,
  vehicle_condition VARCHAR NOT NULL, mileage_km INTEGER NOT NULL, status VARCHAR NOT NULL,
  acquisition_cost DECIMAL(12,2) NOT NULL, list_price DECIMAL(12,2) NOT NULL, acquired_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE inventory.stock_levels (
  dealer_id INTEGER NOT NULL, region VARCHAR NOT NULL, make VARCHAR NOT NULL, vehicle_condition VARCHAR NOT NULL,
  units_in_stock INTEGER NOT NULL, units_reserved INTEGER NOT NULL, stock_value DECIMAL(14,2) NOT NULL,
  avg_days_in_stock DECIMAL(6,1), updated_at TIMESTAMP NOT NULL);

-- PLANTED (b): the declared column consent_marketing BOOLEAN NOT NULL was
-- renamed to marketing_opt_in by a CRM release.
CREATE TABLE crm.customers (
  customer_id BIGINT NOT NULL, first_name VARCHAR NOT NULL, last_name VARCHAR NOT NULL, email VARCHAR,
  phone VARCHAR, date_of_birth DATE, postcode VARCHAR, country VARCHAR NOT NULL, customer_type VARCHAR NOT NULL,
  marketing_opt_in BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE sales.deals (
  deal_id BIGINT NOT NULL, vin VARCHAR NOT NULL, dealer_id INTEGER NOT NULL, customer_id BIGINT NOT NULL,
  salesperson_id INTEGER NOT NULL, deal_date DATE NOT NULL, sale_price DECIMAL(12,2) NOT NULL,
  discount_amount DECIMAL(12,2) NOT NULL, trade_in_value DECIMAL(12,2), payment_type VARCHAR NOT NULL,
  lead_source VARCHAR, status VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE sales.dealer_performance (
  dealer_id INTEGER NOT NULL, dealer_name VARCHAR NOT NULL, region VARCHAR NOT NULL, report_month DATE NOT NULL,
  units_sold INTEGER NOT NULL, gross_revenue DECIMAL(14,2) NOT NULL, avg_discount_pct DECIMAL(5,2),
  stock_turn_rate DECIMAL(6,2), updated_at TIMESTAMP NOT NULL);

CREATE TABLE aftersales.service_orders (
  order_id BIGINT NOT NULL, dealer_id INTEGER NOT NULL, vin VARCHAR NOT NULL, customer_id BIGINT NOT NULL,
  service_type VARCHAR NOT NULL, status VARCHAR NOT NULL, opened_at TIMESTAMP NOT NULL, closed_at TIMESTAMP,
  labour_hours DECIMAL(6,2) NOT NULL, labour_amount DECIMAL(12,2) NOT NULL, parts_amount DECIMAL(12,2) NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE crm.customer_360 (
  customer_id BIGINT NOT NULL, customer_type VARCHAR NOT NULL, segment VARCHAR NOT NULL,
  vehicles_purchased INTEGER NOT NULL, service_visits INTEGER NOT NULL, online_orders INTEGER NOT NULL,
  lifetime_value DECIMAL(14,2) NOT NULL, last_purchase_date DATE, last_service_date DATE,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE ecommerce.listings (
  listing_id BIGINT NOT NULL, vin VARCHAR NOT NULL, dealer_id INTEGER NOT NULL, title VARCHAR NOT NULL,
  price DECIMAL(12,2) NOT NULL, status VARCHAR NOT NULL, photo_count INTEGER NOT NULL,
  published_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE ecommerce.orders (
  order_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, listing_id BIGINT, order_type VARCHAR NOT NULL,
  amount DECIMAL(12,2) NOT NULL, currency VARCHAR NOT NULL, status VARCHAR NOT NULL, ordered_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE ecommerce.web_sessions (
  session_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, customer_id BIGINT, channel VARCHAR NOT NULL,
  utm_campaign VARCHAR, landing_page VARCHAR NOT NULL, device_type VARCHAR NOT NULL, page_views INTEGER NOT NULL,
  converted BOOLEAN NOT NULL, started_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE finance.revenue (
  revenue_date DATE NOT NULL, dealer_id INTEGER, revenue_stream VARCHAR NOT NULL,
  gross_revenue DECIMAL(14,2) NOT NULL, cost_of_sales DECIMAL(14,2) NOT NULL, gross_margin DECIMAL(14,2) NOT NULL,
  currency VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE finance.dealer_pnl (
  report_month DATE NOT NULL, dealer_id INTEGER NOT NULL, region VARCHAR NOT NULL, revenue DECIMAL(14,2) NOT NULL,
  cost_of_sales DECIMAL(14,2) NOT NULL, operating_expenses DECIMAL(14,2) NOT NULL, ebit DECIMAL(14,2) NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE leasing.contracts (
  contract_id BIGINT NOT NULL, deal_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, product_type VARCHAR NOT NULL,
  financed_amount DECIMAL(12,2) NOT NULL, apr DECIMAL(5,2) NOT NULL, term_months INTEGER NOT NULL,
  monthly_payment DECIMAL(10,2) NOT NULL, start_date DATE NOT NULL, status VARCHAR NOT NULL,
  updated_at TIMESTAMP NOT NULL);

CREATE TABLE marketing.campaign_performance (
  report_date DATE NOT NULL, campaign_id VARCHAR NOT NULL, campaign_name VARCHAR NOT NULL, channel VARCHAR NOT NULL,
  spend DECIMAL(12,2) NOT NULL, impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, sessions INTEGER NOT NULL,
  leads INTEGER NOT NULL, attributed_deals INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL);

CREATE TABLE marketing.customer_segments (
  customer_id BIGINT NOT NULL, segment VARCHAR NOT NULL, propensity_to_buy DECIMAL(4,3) NOT NULL,
  next_best_offer VARCHAR NOT NULL, contactable BOOLEAN NOT NULL, updated_at TIMESTAMP NOT NULL);
`;

// ---------------------------------------------------------------------------

/**
 * Builds the demo warehouse at `path` (replacing any existing file and its
 * .wal). All times are relative to `now`; the same `now` gives the same data.
 */
export async function buildDemoWarehouse(path: string, now: Date): Promise<void> {
  if (Number.isNaN(now.getTime())) throw new Error('buildDemoWarehouse: invalid time');
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });

  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      await fill(connection, now);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function fill(connection: DuckDBConnection, now: Date): Promise<void> {
  const at = (agoMs: number) => new Date(now.getTime() - agoMs);

  // PLANTED (a): the vehicle export from the dealer management system last
  // ran 5 hours ago (maxAge 2h).
  const vehicleLoad = at(PLANTED_PROBLEMS.stale.lastUpdateAgoMs);
  // PLANTED (d): stock levels are rebuilt 5 minutes after each vehicle load,
  // so they are stale too (4h55m, maxAge 3h), only because vehicles are.
  const stockRebuild = at(PLANTED_PROBLEMS.staleUpstream.lastUpdateAgoMs);

  await connection.run('BEGIN TRANSACTION');
  await connection.run(DDL);

  const dealerSync = at(3 * HOUR);
  const dealerRng = new Rng(9009);
  await insert(
    connection,
    'inventory.dealers',
    ['dealer_id', 'dealer_name', 'brand', 'city', 'region', 'country', 'opened_on', 'is_active', 'updated_at'],
    DEALERS.map((d) => [d.id, d.name, d.brand, d.city, d.region, d.country, day(at(dealerRng.int(2 * 365, 30 * 365) * DAY)), d.active, dealerSync]),
  );

  const vehicles = makeVehicles(now, vehicleLoad);
  const costRng = new Rng(1011);
  await insert(
    connection,
    'inventory.vehicles',
    ['vin', 'stock_number', 'dealer_id', 'make', 'model', 'model_year', 'trim_level', 'fuel_type', 'vehicle_condition', 'mileage_km', 'status', 'acquisition_cost', 'list_price', 'acquired_at', 'updated_at'],
    vehicles.map((v, i) => {
      const spec = BRANDS[v.make]!.models.find((m) => m.model === v.model)!;
      const fuel = spec.fuels ? costRng.pick(spec.fuels) : costRng.weighted([['petrol', 50], ['diesel', 20], ['hybrid', 30]] as const);
      const costPence = Math.round((v.listPence * costRng.int(82, 91)) / 100);
      return [v.vin, `KMG-${10_001 + i}`, v.dealerId, v.make, v.model, v.modelYear, v.trim, fuel, v.condition, v.mileage, v.status, money(costPence), money(v.listPence), v.acquiredAt, v.updatedAt];
    }),
  );

  const customers = makeCustomers(now);
  await insert(
    connection,
    'crm.customers',
    ['customer_id', 'first_name', 'last_name', 'email', 'phone', 'date_of_birth', 'postcode', 'country', 'customer_type', 'marketing_opt_in', 'created_at', 'updated_at'],
    customers.map((c) => [c.id, c.first, c.last, c.email, c.phone, c.birth && day(c.birth), c.postcode, c.country, c.type, c.optIn, c.createdAt, c.updatedAt]),
  );

  const deals = makeDeals(now, vehicles, customers);
  await insert(
    connection,
    'sales.deals',
    ['deal_id', 'vin', 'dealer_id', 'customer_id', 'salesperson_id', 'deal_date', 'sale_price', 'discount_amount', 'trade_in_value', 'payment_type', 'lead_source', 'status', 'updated_at'],
    deals.map((d) => [
      d.id, d.vin, d.dealerId, d.customerId, d.salespersonId, day(d.dealAt), money(d.salePence), money(d.discountPence),
      d.tradeInPence === null ? null : money(d.tradeInPence), d.paymentType, d.leadSource, d.status, d.updatedAt,
    ]),
  );

  const serviceOrders = makeServiceOrders(now, deals, customers);
  // PLANTED (c): a DMS upgrade introduced the workshop status
  // 'awaiting_parts', which the contract does not accept; five of the orders
  // now in the workshop carry it.
  serviceOrders
    .filter((o) => o.status === 'in_progress')
    .slice(0, PLANTED_PROBLEMS.contract.rows)
    .forEach((o) => {
      o.status = PLANTED_PROBLEMS.contract.value;
    });
  await insert(
    connection,
    'aftersales.service_orders',
    ['order_id', 'dealer_id', 'vin', 'customer_id', 'service_type', 'status', 'opened_at', 'closed_at', 'labour_hours', 'labour_amount', 'parts_amount', 'updated_at'],
    serviceOrders.map((o) => [
      o.id, o.dealerId, o.vin, o.customerId, o.serviceType, o.status, o.openedAt, o.closedAt,
      money(o.labourQuarterHours * 25), money(o.labourQuarterHours * (LABOUR_RATE_PENCE / 4)), money(o.partsPence), o.updatedAt,
    ]),
  );

  const listings = makeListings(now, vehicles);
  await insert(
    connection,
    'ecommerce.listings',
    ['listing_id', 'vin', 'dealer_id', 'title', 'price', 'status', 'photo_count', 'published_at', 'updated_at'],
    listings.map((l) => {
      const v = l.vehicle;
      return [l.id, v.vin, v.dealerId, `${v.modelYear} ${v.make} ${v.model}${v.trim ? ` ${v.trim}` : ''}`, money(v.listPence), l.status, l.photos, l.publishedAt, l.updatedAt];
    }),
  );

  await insert(
    connection,
    'ecommerce.orders',
    ['order_id', 'customer_id', 'listing_id', 'order_type', 'amount', 'currency', 'status', 'ordered_at', 'updated_at'],
    makeOrders(now, customers, listings),
  );

  await insert(
    connection,
    'ecommerce.web_sessions',
    ['session_id', 'visitor_id', 'customer_id', 'channel', 'utm_campaign', 'landing_page', 'device_type', 'page_views', 'converted', 'started_at', 'updated_at'],
    makeWebSessions(now, customers),
  );

  await insert(
    connection,
    'marketing.campaign_performance',
    ['report_date', 'campaign_id', 'campaign_name', 'channel', 'spend', 'impressions', 'clicks', 'sessions', 'leads', 'attributed_deals', 'updated_at'],
    makeCampaignPerformance(now, at(1 * HOUR)),
  );

  // Derived products, computed from their inputs the way their pipelines would.

  await connection.run(`
    INSERT INTO inventory.stock_levels
    SELECT v.dealer_id, d.region, v.make, v.vehicle_condition,
           count(*) FILTER (WHERE v.status IN ('in_stock', 'reserved')),
           count(*) FILTER (WHERE v.status = 'reserved'),
           coalesce(sum(v.acquisition_cost) FILTER (WHERE v.status IN ('in_stock', 'reserved')), 0),
           round(avg(date_diff('day', v.acquired_at, ${lit(vehicleLoad)})) FILTER (WHERE v.status IN ('in_stock', 'reserved')), 1),
           ${lit(stockRebuild)}
    FROM inventory.vehicles v JOIN inventory.dealers d USING (dealer_id)
    GROUP BY v.dealer_id, d.region, v.make, v.vehicle_condition`);

  await connection.run(`
    INSERT INTO sales.dealer_performance
    WITH sold AS (
      SELECT dealer_id, CAST(date_trunc('month', deal_date) AS DATE) AS report_month, count(*) AS units,
             sum(sale_price) AS revenue, avg(discount_amount / (sale_price + discount_amount)) * 100 AS discount_pct
      FROM sales.deals WHERE status IN ('signed', 'delivered') GROUP BY ALL),
    stock AS (SELECT dealer_id, sum(units_in_stock) AS units FROM inventory.stock_levels GROUP BY ALL)
    SELECT s.dealer_id, d.dealer_name, d.region, s.report_month, s.units, s.revenue, round(s.discount_pct, 2),
           CASE WHEN coalesce(st.units, 0) > 0 THEN round(s.units / st.units, 2) END,
           ${lit(at(2 * HOUR))}
    FROM sold s JOIN inventory.dealers d USING (dealer_id) LEFT JOIN stock st USING (dealer_id)`);

  await connection.run(`
    INSERT INTO crm.customer_360
    WITH d AS (SELECT customer_id, count(*) AS n, sum(sale_price) AS v, max(deal_date) AS last
               FROM sales.deals WHERE status IN ('signed', 'delivered') GROUP BY ALL),
         s AS (SELECT customer_id, count(*) AS n, sum(labour_amount + parts_amount) AS v, CAST(max(closed_at) AS DATE) AS last
               FROM aftersales.service_orders WHERE closed_at IS NOT NULL GROUP BY ALL),
         o AS (SELECT customer_id, count(*) AS n, sum(amount) AS v
               FROM ecommerce.orders WHERE status IN ('paid', 'fulfilled') GROUP BY ALL)
    SELECT c.customer_id, c.customer_type,
           CASE WHEN coalesce(d.n, 0) >= 2 THEN 'repeat_buyer' WHEN d.n = 1 THEN 'first_time_buyer'
                WHEN s.n > 0 THEN 'service_only' WHEN o.n > 0 THEN 'online_shopper' ELSE 'prospect' END,
           coalesce(d.n, 0), coalesce(s.n, 0), coalesce(o.n, 0),
           coalesce(d.v, 0) + coalesce(s.v, 0) + coalesce(o.v, 0), d.last, s.last,
           ${lit(at(1 * HOUR))}
    FROM crm.customers c LEFT JOIN d USING (customer_id) LEFT JOIN s USING (customer_id) LEFT JOIN o USING (customer_id)`);

  // The nightly ledger run 4 hours ago booked everything up to the day before.
  const ledgerRun = at(4 * HOUR);
  await connection.run(`
    INSERT INTO finance.revenue
    WITH lines AS (
      SELECT deal_date AS revenue_date, dealer_id, 'vehicle_sales' AS revenue_stream, sale_price AS amount, 0.90 AS cost_ratio
      FROM sales.deals WHERE status = 'delivered'
      UNION ALL
      SELECT CAST(closed_at AS DATE), dealer_id, 'aftersales', labour_amount + parts_amount, 0.55
      FROM aftersales.service_orders WHERE status IN ('completed', 'invoiced')
      UNION ALL
      SELECT CAST(ordered_at AS DATE), NULL, 'online', CASE WHEN currency = 'EUR' THEN round(amount * 0.85, 2) ELSE amount END, 0.60
      FROM ecommerce.orders WHERE status IN ('paid', 'fulfilled') AND order_type <> 'vehicle_reservation'),
    days AS (
      SELECT revenue_date, dealer_id, revenue_stream,
             CAST(sum(amount) AS DECIMAL(14,2)) AS gross, CAST(round(sum(amount * cost_ratio), 2) AS DECIMAL(14,2)) AS cost
      FROM lines WHERE revenue_date < CAST(${lit(ledgerRun)} AS DATE) GROUP BY ALL)
    SELECT revenue_date, dealer_id, revenue_stream, gross, cost, gross - cost, 'GBP', ${lit(ledgerRun)}
    FROM days`);

  await connection.run(`
    INSERT INTO finance.dealer_pnl
    WITH m AS (
      SELECT CAST(date_trunc('month', revenue_date) AS DATE) AS report_month, dealer_id,
             sum(gross_revenue) AS revenue, sum(cost_of_sales) AS cost
      FROM finance.revenue WHERE dealer_id IS NOT NULL GROUP BY ALL),
    x AS (SELECT m.*, d.region, CAST(18000 + (m.dealer_id % 7) * 1500 AS DECIMAL(14,2)) AS opex
          FROM m JOIN inventory.dealers d USING (dealer_id))
    SELECT report_month, dealer_id, region, revenue, cost, opex, revenue - cost - opex, ${lit(at(3 * HOUR + 30 * MINUTE))}
    FROM x`);

  await connection.run(`
    INSERT INTO leasing.contracts
    SELECT 900000 + row_number() OVER (ORDER BY deal_id), deal_id, customer_id,
           CASE WHEN payment_type = 'lease' THEN 'lease' WHEN deal_id % 2 = 0 THEN 'pcp' ELSE 'hire_purchase' END,
           financed, apr, term, round(financed * (1 + apr / 100 * term / 12) / term, 2), deal_date,
           CASE WHEN deal_id % 13 = 0 THEN 'in_arrears' WHEN deal_id % 11 = 0 THEN 'settled' ELSE 'active' END,
           ${lit(at(40 * MINUTE))}
    FROM (SELECT *, round(sale_price * 0.85, 2) AS financed, 4.90 + deal_id % 5 AS apr, [24, 36, 48][1 + deal_id % 3] AS term
          FROM sales.deals WHERE payment_type IN ('loan', 'lease') AND status IN ('signed', 'delivered'))`);

  // Built before the CRM release renamed the consent column (see (b)).
  await connection.run(`
    INSERT INTO marketing.customer_segments
    SELECT c.customer_id, c.segment, CAST(((c.customer_id * 7919) % 1000) / 1000.0 AS DECIMAL(4,3)),
           CASE c.segment WHEN 'repeat_buyer' THEN 'trade_in_offer' WHEN 'first_time_buyer' THEN 'service_plan'
                          WHEN 'service_only' THEN 'ev_test_drive' WHEN 'online_shopper' THEN 'accessories_bundle' ELSE 'none' END,
           m.marketing_opt_in AND m.email IS NOT NULL,
           ${lit(at(2 * HOUR))}
    FROM crm.customer_360 c JOIN crm.customers m USING (customer_id)`);

  await connection.run('COMMIT');
  await connection.run('CHECKPOINT');
}

// ---------------------------------------------------------------------------
// CLI: build-demo-warehouse OUT.duckdb [ISO-TIME]

async function main(argv: readonly string[]): Promise<number> {
  const [out, time] = argv;
  if (out === undefined || out === '-h' || out === '--help' || argv.length > 2) {
    process.stderr.write('usage: build-demo-warehouse OUT.duckdb [ISO-TIME]\n  builds the demo mesh warehouse, with times relative to ISO-TIME (default: now)\n');
    return out === '-h' || out === '--help' ? 0 : 2;
  }
  const now = time === undefined ? new Date() : new Date(time);
  if (Number.isNaN(now.getTime())) {
    process.stderr.write(`build-demo-warehouse: not an ISO time: ${time}\n`);
    return 2;
  }
  await buildDemoWarehouse(out, now);
  process.stderr.write(`built ${out} (as of ${now.toISOString()})\n`);
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`build-demo-warehouse: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
