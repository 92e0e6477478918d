#!/usr/bin/env node
// Tokenize policy files with the extension's TextMate grammar, by the engine VS Code itself uses
// (vscode-textmate on the Oniguruma regex library, compiled to WebAssembly: vscode-oniguruma).
//
//   node test/tokenize.js FILE...   (from editors/vscode, after `npm ci`)
//
// prints one JSON object: {"FILE": [[line, start, end, "text", [scopes...]], ...], ...}, lines
// counted from 1 and columns from 0 in UTF-16 code units (as JavaScript and VS Code count them).
// tests/editors/test_textmate.py runs it on every shipped .rules file and checks the scopes.
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = path.join(__dirname, '..');
const grammarPath = path.join(here, 'syntaxes', 'lotwise.tmLanguage.json');
const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));

async function main(files) {
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.lotwise') return null;
      const text = fs.readFileSync(grammarPath, 'utf-8');
      return vsctm.parseRawGrammar(text, grammarPath);
    },
  });
  const grammar = await registry.loadGrammar('source.lotwise');
  const out = {};
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf-8').split(/\r?\n/);
    const tokens = [];
    let state = vsctm.INITIAL;
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, state);
      for (const t of result.tokens) {
        const end = Math.min(t.endIndex, line.length);
        if (end > t.startIndex) tokens.push([i + 1, t.startIndex, end, line.slice(t.startIndex, end), t.scopes]);
      }
      state = result.ruleStack;
    });
    out[file] = tokens;
  }
  process.stdout.write(JSON.stringify(out));
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
