// Parses every Mermaid diagram in the given files with the real Mermaid parser (the npm
// package, headless; jsdom supplies the DOM its label sanitizer wants). A .md file gives
// its ```mermaid blocks, any other file is one diagram. Exit 0 when all parse, 1 when one
// does not, 2 when a file holds no diagram (so that checking the wrong file cannot pass).
// Usage: node test/unit/support/mermaid-parse.mjs FILE...
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

// Mermaid sanitizes labels with DOMPurify, which needs a window: jsdom gives it one.
const { window } = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');

function diagramsOf(file) {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.md')) return [text];
  return [...text.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

let status = 0;
for (const file of process.argv.slice(2)) {
  const diagrams = diagramsOf(file);
  if (diagrams.length === 0) {
    console.error(`${file}: no Mermaid diagram`);
    status = Math.max(status, 2);
    continue;
  }
  for (const [index, diagram] of diagrams.entries()) {
    try {
      const result = await mermaid.parse(diagram);
      console.log(`${file}: diagram ${index + 1}: ${result.diagramType}`);
    } catch (error) {
      console.error(`${file}: diagram ${index + 1}: ${String(error.message ?? error).split('\n').slice(0, 4).join('\n')}`);
      status = Math.max(status, 1);
    }
  }
}
process.exitCode = status;
