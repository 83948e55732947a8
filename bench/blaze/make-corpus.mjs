// Writes the benchmark corpus: about 300 MB in 2,400 files, the same bytes on every run
// and every machine (a fixed xorshift generator, no Math.random, no clock).
// Two thirds is configuration-like text (compresses well, as /etc and databases do),
// one third is incompressible (as packages and already-compressed files are).
// Usage: node make-corpus.mjs DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TOTAL_BYTES = 300 * 1024 * 1024;
const FILES = 2400;
const WORDS = (
  'server client listen port timeout enable disable path user group mode backup archive ' +
  'repository koji build arm fedora package update mirror sync cron daily weekly log level ' +
  'debug info warning error host address network route interface mount device label'
).split(' ');

let state = 0x2545f491; // xorshift32 seed: change it and the corpus changes
function next() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

function textFile(size) {
  const lines = [];
  let length = 0;
  while (length < size) {
    const line = `${WORDS[next() % WORDS.length]}_${next() % 512} = ${WORDS[next() % WORDS.length]} ${next() % 100000}`;
    lines.push(line);
    length += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n').subarray(0, size);
}

function binaryFile(size) {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) buffer.writeUInt32LE(next(), i);
  return buffer;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node make-corpus.mjs DIR');
  process.exit(2);
}
const average = Math.floor(TOTAL_BYTES / FILES);
for (let i = 0; i < FILES; i++) {
  const sub = join(dir, `d${String(i % 40).padStart(2, '0')}`);
  mkdirSync(sub, { recursive: true });
  // Sizes vary from a quarter to 1.75 times the average; every third file is binary.
  const size = Math.floor(average / 4 + (next() % Math.floor(average * 1.5)));
  const body = i % 3 === 2 ? binaryFile(size) : textFile(size);
  writeFileSync(join(sub, `f${String(i).padStart(4, '0')}.${i % 3 === 2 ? 'bin' : 'conf'}`), body);
}
