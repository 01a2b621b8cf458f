-- guidepath: start the language server for .guide files.
--
--   Neovim 0.11 or later  vim.lsp.enable("guidepath"), with the config in
--                         lsp/guidepath.lua
--   Neovim 0.10           ftplugin/guidepath.lua calls vim.lsp.start
--   older                 highlighting only, and a note saying so
--
-- Settings, in init.lua before plugins load:
--   vim.g.guidepath_lsp = false                            -- no server
--   vim.g.guidepath_cmd = { "/path/to/guidepath", "lsp" }  -- another binary
if vim.g.loaded_guidepath then
  return
end
vim.g.loaded_guidepath = true

if vim.g.guidepath_lsp == false or vim.fn.has("nvim-0.11") == 0 then
  return
end
vim.lsp.enable("guidepath")
