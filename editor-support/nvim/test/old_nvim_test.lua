-- An older Neovim (0.9 or earlier, e.g. Debian bookworm's 0.7) with this
-- folder on its runtime path: highlighting and the filetype still work, no
-- server starts, and a note says which version the server needs. Run as
--   GUIDEPATH_TEST_FILE=FILE.guide nvim --headless --clean --cmd "set rtp^=editor-support/nvim" -c "luafile test/old_nvim_test.lua"
local failed = 0
local function check(ok, what)
  io.stdout:write((ok and "ok   " or "FAIL ") .. "old nvim: " .. what .. "\n")
  if not ok then
    failed = failed + 1
  end
end
local notes = {}
vim.notify_once = function(msg)
  notes[#notes + 1] = msg
end
vim.notify = vim.notify_once
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("GUIDEPATH_TEST_FILE")))
check(vim.bo.filetype == "guidepath", "a .guide file has the filetype guidepath (" .. vim.bo.filetype .. ")")
check(vim.b.current_syntax == "guidepath", "the syntax file is loaded")
check(#vim.lsp.get_active_clients() == 0, "no server starts")
check(notes[1] ~= nil and notes[1]:find("needs Neovim 0.10", 1, true) ~= nil, "a note says so: " .. tostring(notes[1]))
vim.cmd((failed == 0) and "qall!" or "cquit!")
