;;; guidepath-mode-test.el --- guidepath-mode and Eglot in a real Emacs -*- lexical-binding: t -*-

;; Run by editor-support/test/run:
;;   emacs --batch -L editor-support/emacs -l editor-support/emacs/test/guidepath-mode-test.el \
;;         -f ert-run-tests-batch-and-exit
;; with GUIDEPATH_TEST_FILE naming a .guide file that has an unknown name.

;;; Code:

(require 'package)
(package-initialize)
(require 'ert)
(require 'eglot)
(require 'flymake)
(require 'guidepath-mode)

(defun guidepath-test--wait (what pred &optional seconds)
  "Wait up to SECONDS (10) for PRED, failing with WHAT."
  (let ((deadline (+ (float-time) (or seconds 10))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (should (or (funcall pred) (error "Timed out waiting for %s" what)))))

(ert-deftest guidepath-mode-indents-like-fmt ()
  (with-temp-buffer
    (guidepath-mode)
    (insert "input {\nage : integer years\n}\n")
    (indent-region (point-min) (point-max))
    (should (equal (buffer-string) "input {\n  age : integer years\n}\n"))
    (should (equal comment-start "// "))))

(ert-deftest guidepath-mode-with-eglot ()
  (let ((file (getenv "GUIDEPATH_TEST_FILE")))
    (should file)
    (find-file file)
    (should (eq major-mode 'guidepath-mode))
    (apply #'eglot (eglot--guess-contact))
    (let ((server (eglot-current-server)))
      (should server)
      ;; The diagnostic, through Flymake, with its code.
      (guidepath-test--wait "diagnostics" (lambda () (flymake-diagnostics)) 30)
      (should (seq-some (lambda (d) (string-match-p "E0201" (flymake-diagnostic-text d)))
                        (flymake-diagnostics)))
      ;; Hover in the format Eglot asks for.
      (let* ((hover (jsonrpc-request server :textDocument/hover
                                     (list :textDocument (list :uri (eglot--path-to-uri file))
                                           :position (list :line 0 :character 9))))
             (contents (plist-get hover :contents)))
        (should (string-match-p "integer years" (plist-get contents :value)))
        ;; Eglot without markdown-mode asks for plain text.
        (unless (fboundp (quote gfm-view-mode))
          (should (equal (plist-get contents :kind) "plaintext"))
          (should-not (string-match-p "`" (plist-get contents :value)))))
      ;; `shutdown' and `exit' end the server by itself, with status 0
      ;; (`eglot-shutdown' deletes the process, so it would prove nothing).
      (let ((proc (jsonrpc--process server)))
        (jsonrpc-request server :shutdown nil)
        (jsonrpc-notify server :exit nil)
        (guidepath-test--wait "the server to exit" (lambda () (not (process-live-p proc))) 5)
        (should (eq (process-status proc) 'exit))
        (should (eq (process-exit-status proc) 0))))))

;;; guidepath-mode-test.el ends here
