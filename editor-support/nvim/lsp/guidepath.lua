-- The guidepath language server for Neovim 0.11's vim.lsp.config: found on
-- the runtime path as lsp/guidepath.lua and started by vim.lsp.enable (see
-- plugin/guidepath.lua). Change it like any other config, e.g.
--   vim.lsp.config("guidepath", { cmd = { "/path/to/guidepath", "lsp" } })
return {
  cmd = vim.g.guidepath_cmd or { "guidepath", "lsp" },
  filetypes = { "guidepath" },
  -- The project is the nearest folder upwards with a .git; a file outside
  -- any is its own project.
  root_markers = { ".git" },
}
