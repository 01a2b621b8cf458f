" Syntax highlighting for guidepath guideline rules (*.guide).
if exists("b:current_syntax")
  finish
endif

syn match   guidepathComment  "//.*$" contains=@Spell
syn region  guidepathString   start=+"+ skip=+\\"+ end=+"\|$+ contains=@Spell
syn match   guidepathDate     "\<\d\{4}-\d\{2}-\d\{2}\>"
syn match   guidepathNumber   "\<-\=\d\+\(\.\d\+\)\=\>"
syn keyword guidepathUnit     points point years year months month weeks week days day hours hour minutes minute kg g cm mm percent
syn match   guidepathDecl     "^\(guideline\|use\|input\|enum\|instrument\|define\|stratify\|recommend\|pathway\|test\|allow\)\>"
syn keyword guidepathKeyword  title issuer version status since language source url published review priority as by when for against
syn keyword guidepathKeyword  strength certainty rationale reference action level item score reverse choice step
syn keyword guidepathKeyword  responsible within after if missed then given expect applies does apply applicable undecided due because code from
syn keyword guidepathKeyword  required optional define stratify quote assume at
syn keyword guidepathOperator and or not is in any all none of
syn keyword guidepathBoolean  true false
syn keyword guidepathType     boolean integer decimal date duration text set

hi def link guidepathComment  Comment
hi def link guidepathString   String
hi def link guidepathDate     Constant
hi def link guidepathNumber   Number
hi def link guidepathUnit     Special
hi def link guidepathDecl     Statement
hi def link guidepathKeyword  Keyword
hi def link guidepathOperator Operator
hi def link guidepathBoolean  Boolean
hi def link guidepathType     Type

let b:current_syntax = "guidepath"
