;;; guidepath-mode.el --- Major mode for guidepath guideline rules -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: languages
;; SPDX-License-Identifier: Apache-2.0

;;; Commentary:

;; Highlighting, comments and indentation for guidepath files (*.guide),
;; and the guidepath language server (`guidepath lsp') for Eglot.  Eglot is
;; built into Emacs 29 and later; on Emacs 28 install it from GNU ELPA or
;; Debian's elpa-eglot.  In your init file:
;;
;;   (add-to-list 'load-path "/path/to/guidepath/editor-support/emacs")
;;   (require 'guidepath-mode)
;;   (add-hook 'guidepath-mode-hook #'eglot-ensure)
;;
;; Another binary: (setq guidepath-server-command '("/path/to/guidepath" "lsp")).

;;; Code:

(defgroup guidepath nil
  "Clinical guideline rules in guidepath."
  :group 'languages
  :prefix "guidepath-")

(defcustom guidepath-server-command '("guidepath" "lsp")
  "The command that runs the guidepath language server."
  :type '(repeat string))

(defcustom guidepath-indent-offset 2
  "Spaces per level of braces, as `guidepath fmt' writes them."
  :type 'integer)

(defconst guidepath--declarations
  '("guideline" "use" "input" "enum" "instrument" "define" "stratify"
    "recommend" "pathway" "test" "allow"))

(defconst guidepath--keywords
  '("title" "issuer" "version" "status" "since" "language" "source" "url"
    "published" "review" "priority" "as" "by" "when" "for" "against" "strength" "certainty"
    "rationale" "reference" "action" "level" "item" "score" "reverse" "choice"
    "step" "responsible" "within" "after" "if" "missed" "then" "given" "expect"
    "applies" "does" "apply" "applicable" "undecided" "due" "because" "code" "from"
    "required" "optional" "quote" "assume" "at"))

(defconst guidepath--operators '("and" "or" "not" "is" "in" "any" "all" "none" "of"))

(defconst guidepath--types '("boolean" "integer" "decimal" "date" "duration" "text" "set"))

(defconst guidepath--units
  '("points" "point" "years" "year" "months" "month" "weeks" "week" "days"
    "day" "hours" "hour" "minutes" "minute" "kg" "g" "cm" "mm" "percent"))

(defconst guidepath--font-lock
  `((,(concat "^" (regexp-opt guidepath--declarations 'words)) . font-lock-keyword-face)
    (,(regexp-opt guidepath--keywords 'words) . font-lock-keyword-face)
    (,(regexp-opt guidepath--operators 'words) . font-lock-builtin-face)
    (,(regexp-opt guidepath--types 'words) . font-lock-type-face)
    (,(regexp-opt '("true" "false") 'words) . font-lock-constant-face)
    ("\\_<[0-9]\\{4\\}-[0-9]\\{2\\}-[0-9]\\{2\\}\\_>" . font-lock-constant-face)
    (,(concat "[0-9]\\s-+" (regexp-opt guidepath--units 'words)) 1 font-lock-type-face)
    ("^\\(?:define\\|stratify\\|recommend\\|pathway\\|enum\\|instrument\\)\\s-+\\(\\(?:\\sw\\|\\s_\\)+\\)"
     1 font-lock-function-name-face))
  "Highlighting for `guidepath-mode'; the language server refines it.")

(defvar guidepath-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?/ ". 12" st)
    (modify-syntax-entry ?\n ">" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?. "." st)
    st)
  "Syntax table for `guidepath-mode': `//' comments, strings, names.")

(defun guidepath-indent-line ()
  "Indent the current line by its depth in brackets, as `guidepath fmt' does."
  (interactive)
  (let* ((depth (save-excursion (car (syntax-ppss (line-beginning-position)))))
         (closes (save-excursion
                   (back-to-indentation)
                   (looking-at-p "[]})]")))
         (col (* guidepath-indent-offset (max 0 (if closes (1- depth) depth)))))
    (if (<= (current-column) (current-indentation))
        (indent-line-to col)
      (save-excursion (indent-line-to col)))))

;;;###autoload
(define-derived-mode guidepath-mode prog-mode "guidepath"
  "Major mode for guidepath guideline rules (*.guide)."
  :syntax-table guidepath-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-start-skip "//+\\s-*")
  (setq-local comment-end "")
  (setq-local indent-line-function #'guidepath-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local font-lock-defaults '(guidepath--font-lock)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.guide\\'" . guidepath-mode))

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `(guidepath-mode . ,(lambda (&rest _) guidepath-server-command))))

(provide 'guidepath-mode)
;;; guidepath-mode.el ends here
