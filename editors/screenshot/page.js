// Show policy.json's policy in Monaco, highlighted by the language's words (engine/policy/highlight.py,
// the same as the VS Code grammar's), with each diagnostic of `lotwise check --json` as a marker (a
// squiggle), and open the first one's message under its line as VS Code does (F8). Sets
// document.title to "ready: N marker(s)" when done, or "error: ..." when not, for make.py --check.
'use strict';

function escapeWord(w) { return w.replace(/[-\/\\^$*+?.()|[\]{}]/g, '\\$&'); }

function wordsRegex(words) {
  const sorted = [...words].sort((a, b) => b.length - a.length);
  return new RegExp('(?:' + sorted.map(escapeWord).join('|') + ')(?![\\w-])');
}

function register(monaco, data) {
  monaco.languages.register({ id: 'lotwise-policy', extensions: ['.rules'] });
  monaco.languages.setLanguageConfiguration('lotwise-policy', {
    comments: { lineComment: '#' }, brackets: [['{', '}']],
    wordPattern: /(-?\d[\d,]*(?:\.\d+)?%?)|([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)/,
  });
  monaco.languages.setMonarchTokensProvider('lotwise-policy', {
    tokenizer: {
      root: [
        [/#.*$/, 'comment'],
        [/"(?:[^"\\]|\\.)*"/, 'string'],
        [/\d{4}-\d{2}-\d{2}|FY[ \t]*\d{4}-\d{2,4}/, 'number.date'],
        [/\d[\d,]*(?:\.\d+)?%/, 'number'],
        [/(?:Rs\.?|₹)[ \t]*\d[\d,]*(?:\.\d+)?/, 'number'],
        [/\d[\d,]*(?:\.\d+)?/, 'number'],
        [wordsRegex(data.blocks), 'keyword.block'],
        [wordsRegex(data.keywords), 'keyword'],
        [/[A-Z0-9][A-Z0-9&_.\-]*/, 'type.identifier'],
        [/[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*/, 'variable'],
        [/[{}]/, 'delimiter.bracket'],
        [/[,:]/, 'delimiter'],
      ],
    },
  });
}

function markers(monaco, diagnostics) {
  return diagnostics.map((d) => ({
    severity: d.severity === 'error' ? monaco.MarkerSeverity.Error
      : d.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Info,
    message: `${d.severity}[${d.code}]: ${d.message}` + (d.hint ? '\nhint: ' + d.hint : ''),
    source: 'lotwise',
    startLineNumber: d.span.line,
    startColumn: d.span.column,
    endLineNumber: d.span.end_line,
    endColumn: d.span.end_column,
  }));
}

require.config({ paths: { vs: 'node_modules/monaco-editor/min/vs' } });
require(['vs/editor/editor.main'], async () => {
  try {
    const data = await (await fetch('policy.json')).json();
    register(monaco, data);
    const model = monaco.editor.createModel(data.text, 'lotwise-policy', monaco.Uri.file(data.file));
    const editor = monaco.editor.create(document.getElementById('editor'), {
      model, theme: 'vs-dark', fontSize: 15, minimap: { enabled: false }, scrollBeyondLastLine: false,
      renderLineHighlight: 'none', automaticLayout: false, occurrencesHighlight: 'off', selectionHighlight: false,
      wordBasedSuggestions: 'off',
    });
    monaco.editor.setModelMarkers(model, 'lotwise', markers(monaco, data.diagnostics));
    const first = data.diagnostics[0];
    if (first) {
      editor.setPosition({ lineNumber: first.span.line, column: 1 });
      editor.trigger('make.py', 'editor.action.marker.next', null);
    }
    const shown = monaco.editor.getModelMarkers({ owner: 'lotwise' }).length;
    setTimeout(() => { document.title = `ready: ${shown} marker(s)`; }, 300);
  } catch (err) {
    document.title = 'error: ' + err;
  }
});
