// When kindling colours its output: --color always and never win; auto colours a terminal
// unless NO_COLOR is set (and not empty) or TERM is dumb.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isColourChoice, useColour } from '../../../src/format/colour';

test('--color always and never decide alone; auto needs a terminal without NO_COLOR or TERM=dumb', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  assert.equal(useColour('always', pipe, { NO_COLOR: '1' }), true);
  assert.equal(useColour('never', tty, {}), false);
  assert.equal(useColour('auto', tty, { TERM: 'xterm' }), true);
  assert.equal(useColour('auto', pipe, { TERM: 'xterm' }), false);
  assert.equal(useColour('auto', tty, { NO_COLOR: '1' }), false);
  assert.equal(useColour('auto', tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(useColour('auto', tty, { TERM: 'dumb' }), false);
  assert.deepEqual(['auto', 'always', 'never', 'yes', ''].map(isColourChoice), [true, true, true, false, false]);
});
