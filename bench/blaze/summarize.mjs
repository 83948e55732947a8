// Prints, as Markdown for bench/blaze/README.md, the medians and ratios of the rounds of
// bench/blaze/run.sh (one hyperfine --export-json file per round, one run per command).
// Usage: node summarize.mjs ROUND.json...
import { readFileSync } from 'node:fs';

const rounds = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')).results);
const names = rounds[0].map((result) => result.command);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const runsOf = (name) => rounds.map((round) => round.find((result) => result.command === name));
const wall = (name) => median(runsOf(name).map((run) => run.times[0]));
const cpu = (name) => median(runsOf(name).map((run) => run.user + run.system));
const cell = (text) => text.replace(/\|/g, '\\|');

console.log(`| command | median wall time | median CPU (user + system) |`);
console.log('|---|---:|---:|');
for (const name of names) console.log(`| ${cell(name)} | ${wall(name).toFixed(1)} s | ${cpu(name).toFixed(1)} s |`);
console.log('');
console.log(`Medians of ${rounds.length} rounds.`);
for (const [blaze, bare] of [
  ['blaze (lbzip2)', 'tar | lbzip2'],
  ['blaze (lbzip2)', 'tar | lbzip2, read back'],
  ['blaze (zstd)', 'tar | zstd'],
]) {
  // The ratio within each round, then the median: load that changes between rounds cancels.
  const ratios = runsOf(blaze).map((run, i) => run.times[0] / runsOf(bare)[i].times[0]);
  console.log(
    `- ${cell(blaze)} / ${cell(bare)}: ${median(ratios).toFixed(2)}× wall time (median of the rounds' ratios), ` +
      `${(cpu(blaze) / cpu(bare)).toFixed(2)}× CPU`,
  );
}
