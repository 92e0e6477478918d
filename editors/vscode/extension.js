// The lotwise extension's client: starts `lotwise lsp` (the language server, docs/lsp.md) over
// stdio for the policy files (language `lotwise-policy`, *.rules) and restarts it when the
// `lotwise.command` setting changes. Highlighting needs no server: syntaxes/lotwise.tmLanguage.json.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration('lotwise').get('command') || 'lotwise';
  return { command, args: ['lsp'], transport: TransportKind.stdio };
}

async function start(context) {
  client = new LanguageClient('lotwise', 'lotwise', serverOptions(), {
    documentSelector: [
      { scheme: 'file', language: 'lotwise-policy' },
      { scheme: 'untitled', language: 'lotwise-policy' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.rules') },
  });
  try {
    await client.start();
  } catch (err) {
    const command = serverOptions().command;
    vscode.window.showErrorMessage(
      `lotwise: could not start \`${command} lsp\` (${err && err.message ? err.message : err}). ` +
      'Install lotwise (pip install lotwise) or set "lotwise.command" to its full path.');
  }
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

async function activate(context) {
  await start(context);
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (event) => {
    if (event.affectsConfiguration('lotwise.command')) {
      if (client) await client.stop();
      await start(context);
    }
  }));
  context.subscriptions.push(vscode.commands.registerCommand('lotwise.restartServer', async () => {
    if (client) await client.stop();
    await start(context);
  }));
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
