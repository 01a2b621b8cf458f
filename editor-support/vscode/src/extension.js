// Starts `guidepath lsp` for .guide files, saved or not. Bundled with its
// client library into dist/extension.js (npm run bundle), so the package
// ships one file instead of node_modules.
"use strict";

const os = require("os");
const path = require("path");
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

/// The server binary from the settings: `~` is the home folder, a bare
/// name is looked up on PATH. Machine scope (package.json) keeps a
/// workspace from naming a binary to run.
function serverCommand() {
  const setting = vscode.workspace.getConfiguration("guidepath").get("server.path") || "guidepath";
  if (setting === "~" || setting.startsWith("~/")) {
    return path.join(os.homedir(), setting.slice(1));
  }
  return setting;
}

async function start() {
  const command = serverCommand();
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "guidepath",
    "guidepath",
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: "file", language: "guidepath" },
        { scheme: "untitled", language: "guidepath" },
      ],
    }
  );
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    vscode.window.showErrorMessage(
      `guidepath: cannot start \`${command} lsp\` (${err.message}). Install guidepath or set guidepath.server.path.`
    );
  }
}

async function restart() {
  if (client) {
    const old = client;
    client = undefined;
    await old.stop();
  }
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("guidepath.server.path")) {
        restart();
      }
    }),
    vscode.commands.registerCommand("guidepath.restartServer", restart),
    { dispose: () => (client ? client.stop() : undefined) }
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverCommand };
