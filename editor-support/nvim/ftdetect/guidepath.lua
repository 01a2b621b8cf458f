-- guidepath: treat *.guide files as the guidepath filetype.
vim.filetype.add({ extension = { guide = "guidepath" } })
