/**
 * `npm run bench`: the project's benchmarks, printed as tables.
 *   --only impact|checks|storm|queue|config   run one benchmark
 *   --minutes 3            how long the queue bench serves its every-minute mesh
 *   --sizes 6000,60000     mesh sizes (default both)
 * Speed goals live here, never as timing assertions in tests.
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { benchImpact } from './impact.bench.js';
import { benchCheckCycle } from './check-cycle.bench.js';
import { benchStorm } from './storm.bench.js';
import { benchQueue } from './queue.bench.js';
import { benchConfig } from './config.bench.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, sizes: { type: 'string' }, minutes: { type: 'string' } } });
const sizes = (values.sizes ?? '6000,60000').split(',').map(Number);
console.log(`meshwatch bench · node ${process.version} · ${cpus().length} cores · ${cpus()[0]?.model ?? ''}`);
if (!values.only || values.only === 'impact') await benchImpact(sizes);
if (!values.only || values.only === 'checks') await benchCheckCycle(sizes);
if (!values.only || values.only === 'storm') await benchStorm(sizes);
if (!values.only || values.only === 'config') await benchConfig(sizes);
if (!values.only || values.only === 'queue') await benchQueue({ minutes: Number(values.minutes ?? 3), ...(values.sizes ? { size: sizes[0]! } : {}) });
