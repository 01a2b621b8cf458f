-- guidepath: comments and indentation for *.guide; on Neovim 0.10 also the
-- language server (0.11 and later start it from plugin/guidepath.lua).
--
-- The server starts when a .guide file opens, once per project (the nearest
-- folder upwards with a .git, or else the file's folder). Settings, before
-- the file opens:
--   vim.g.guidepath_lsp = false              -- do not start the server
--   vim.g.guidepath_cmd = { "/path/to/guidepath", "lsp" }

vim.bo.commentstring = "// %s"
vim.bo.shiftwidth = 2
vim.bo.expandtab = true

if vim.g.guidepath_lsp == false or vim.fn.has("nvim-0.11") == 1 then
  return
end
if vim.fn.has("nvim-0.10") == 0 then
  vim.notify_once("guidepath: the language server needs Neovim 0.10 or later; this is highlighting only", vim.log.levels.WARN)
  return
end

local cmd = vim.g.guidepath_cmd or { "guidepath", "lsp" }
if vim.fn.executable(cmd[1]) ~= 1 then
  vim.notify_once("guidepath: `" .. cmd[1] .. "` not found; install guidepath or set vim.g.guidepath_cmd", vim.log.levels.WARN)
  return
end

vim.lsp.start({
  name = "guidepath",
  cmd = cmd,
  root_dir = vim.fs.root(0, ".git") or vim.fs.dirname(vim.api.nvim_buf_get_name(0)),
})
