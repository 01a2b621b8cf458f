// The package's contract with VS Code and with the server, and the one
// piece of logic the extension has of its own (where the binary is).
// VS Code itself is not here: `vscode` is a stand-in with the one call used.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

const root = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("the server path is a machine setting, restricted in untrusted workspaces", () => {
  const setting = pkg.contributes.configuration.properties["guidepath.server.path"];
  assert.strictEqual(setting.scope, "machine");
  assert.deepStrictEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ["guidepath.server.path"]);
});

test("the unit token type the server sends is declared", () => {
  const ids = pkg.contributes.semanticTokenTypes.map((t) => t.id);
  assert.ok(ids.includes("unit"));
  // The legend is guidepath-ide's token types by name.
  const legend = fs.readFileSync(path.join(root, "../../crates/ide/src/tokens.rs"), "utf8");
  assert.match(legend, /TokenType::Unit => "unit"/);
});

test("the package runs the bundle, which carries the client library", () => {
  assert.strictEqual(pkg.main, "./dist/extension.js");
  const bundle = fs.readFileSync(path.join(root, "dist/extension.js"), "utf8");
  assert.ok(!bundle.includes('require("vscode-languageclient'), "the client is bundled, not required");
  assert.ok(fs.existsSync(path.join(root, pkg.icon)));
});

test("~/ in the server path is the home folder; a bare name stays a name", () => {
  let value;
  const stub = { workspace: { getConfiguration: () => ({ get: () => value }) } };
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return stub;
    if (request === "vscode-languageclient/node") return { LanguageClient: class {} };
    return load.call(this, request, ...rest);
  };
  try {
    const { serverCommand } = require("../src/extension.js");
    value = "~/bin/guidepath";
    assert.strictEqual(serverCommand(), path.join(os.homedir(), "bin/guidepath"));
    value = "guidepath";
    assert.strictEqual(serverCommand(), "guidepath");
    value = "";
    assert.strictEqual(serverCommand(), "guidepath");
  } finally {
    Module._load = load;
  }
});
