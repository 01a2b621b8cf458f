// Starts `guidepath lsp` for .guide files. Plain JavaScript, so the
// extension needs no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("guidepath").get("server.path") || "guidepath";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "guidepath",
    "guidepath",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "guidepath" }] }
  );
  context.subscriptions.push(client);
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `guidepath: cannot start \`${command} lsp\` (${err.message}). Install guidepath or set guidepath.server.path.`
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
