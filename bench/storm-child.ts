/** One storm scenario in a process of its own (see storm.bench.ts): prints its numbers as JSON. */
import { stormChild } from './storm.bench.js';

const [size, scenario] = process.argv.slice(2);
if (scenario !== 'sources' && scenario !== 'every') throw new Error('usage: storm-child SIZE sources|every');
process.stdout.write(JSON.stringify(await stormChild(Number(size), scenario)));
