" guidepath: *.guide files have the filetype guidepath (any Neovim or Vim).
autocmd BufRead,BufNewFile *.guide setfiletype guidepath
