-- A real Neovim with this folder on its runtime path, as the README sets it
-- up: run by editor-support/test/run as
--   nvim --headless --clean --cmd "set rtp^=editor-support/nvim" -l test/lsp_test.lua FILE.guide
-- The file has an unknown name; the test waits for the server, its
-- diagnostic, a hover and formatting, then stops the server and checks that
-- its process is gone. Prints one line a check and exits 1 on any failure.
local file = assert(arg[1], "a .guide file to open")
local failed = 0
local function check(ok, what)
  io.stdout:write((ok and "ok   " or "FAIL ") .. "nvim: " .. what .. "\n")
  if not ok then
    failed = failed + 1
  end
end

vim.cmd.edit(file)
check(vim.bo.filetype == "guidepath", "a .guide file has the filetype guidepath (" .. vim.bo.filetype .. ")")
local client
check(vim.wait(20000, function()
  client = vim.lsp.get_clients({ bufnr = 0, name = "guidepath" })[1]
  return client ~= nil and client.initialized
end, 50), "the server is attached")
if client then
  check(vim.wait(30000, function()
    return #vim.diagnostic.get(0) > 0
  end, 50), "diagnostics arrive")
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    codes[#codes + 1] = tostring(d.code)
  end
  check(vim.tbl_contains(codes, "E0201"), "the unknown name is E0201 (" .. table.concat(codes, " ") .. ")")

  local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 0, character = 9 } }
  local hover = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 10000) or {}
  local value = ""
  for _, r in pairs(hover) do
    value = r.result and r.result.contents and r.result.contents.value or value
  end
  check(value:find("integer years", 1, true) ~= nil, "hover names the type: " .. value)

  vim.lsp.buf.format({ bufnr = 0, timeout_ms = 10000 })
  check(vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] == "input { age: integer years }", "formatting")

  -- Neovim forgets a client when its process has exited.
  local id = client.id
  client:stop()
  local gone = vim.wait(5000, function()
    return vim.lsp.get_client_by_id(id) == nil
  end, 50)
  check(gone, "stopping the client ends the server")
end
os.exit(failed == 0 and 0 or 1)
