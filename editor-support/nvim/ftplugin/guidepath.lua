-- guidepath: comments, indentation and the language server for *.guide.
--
-- The server starts when a .guide file opens, once per project (the nearest
-- folder upwards with a .git, or else the file's folder). Settings, before
-- the file opens:
--   vim.g.guidepath_lsp = false              -- do not start the server
--   vim.g.guidepath_cmd = { "/path/to/guidepath", "lsp" }

vim.bo.commentstring = "// %s"
vim.bo.shiftwidth = 2
vim.bo.expandtab = true

if vim.g.guidepath_lsp == false or not vim.lsp or not vim.lsp.start then
  return
end

local cmd = vim.g.guidepath_cmd or { "guidepath", "lsp" }
if vim.fn.executable(cmd[1]) ~= 1 then
  vim.notify_once("guidepath: `" .. cmd[1] .. "` not found; install guidepath or set vim.g.guidepath_cmd", vim.log.levels.WARN)
  return
end

local file = vim.api.nvim_buf_get_name(0)
local git = vim.fs.find(".git", { upward = true, path = vim.fs.dirname(file) })[1]
local root = git and vim.fs.dirname(git) or vim.fs.dirname(file)

vim.lsp.start({
  name = "guidepath",
  cmd = cmd,
  root_dir = root,
})
