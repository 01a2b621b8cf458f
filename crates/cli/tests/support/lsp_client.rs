//! A minimal language-server client over stdio for tests and benchmarks:
//! starts the real `guidepath lsp` binary and speaks JSON-RPC with
//! Content-Length framing.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications seen while waiting for something else.
    pub notifications: Vec<Value>,
    /// Requests from the server (each answered with a null result).
    pub server_requests: Vec<Value>,
}

impl Client {
    /// The server's CPU time so far (user and system, all threads), from
    /// `/proc`, where there is one: what a shared machine's noise does not
    /// add to, unlike wall time.
    #[allow(dead_code)]
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // The fields after the command name, which is in parentheses and
        // may hold spaces: utime and stime are the 12th and 13th of them.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // Linux reports in clock ticks of 1/100 s (USER_HZ) on every
        // architecture it runs this on.
        Some(Duration::from_millis(ticks * 10))
    }

    pub fn start(bin: &str, root: &std::path::Path) -> Client {
        let mut child = Command::new(bin)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the guidepath binary starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(msg) = serde_json::from_slice::<Value>(&body) else { return };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming, next_id: 1, notifications: Vec::new(), server_requests: Vec::new() }
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).expect("a message serialises");
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads");
        self.stdin.flush().expect("the server reads");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(msg) if msg["id"] == json!(id) && msg.get("method").is_none() => return msg,
                Ok(msg) if is_server_request(&msg) => self.answer(msg),
                Ok(msg) => self.notifications.push(msg),
                Err(RecvTimeoutError::Timeout) => panic!("no response to {method} within 30 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server exited during {method}"),
            }
        }
    }

    /// Waits for `publishDiagnostics` for `uri` that satisfies `ok`, and
    /// returns its params.
    pub fn diagnostics(&mut self, uri: &str, ok: impl Fn(&Value) -> bool) -> Value {
        if let Some(k) = self.notifications.iter().rposition(|m| is_diag_for(m, uri) && ok(&m["params"])) {
            let m = self.notifications.remove(k);
            self.notifications.retain(|m| !is_diag_for(m, uri));
            return m["params"].clone();
        }
        self.notifications.retain(|m| !is_diag_for(m, uri));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if is_diag_for(&m, uri) && ok(&m["params"]) => return m["params"].clone(),
                Ok(m) if is_diag_for(&m, uri) => {}
                Ok(m) if is_server_request(&m) => self.answer(m),
                Ok(m) => self.notifications.push(m),
                Err(_) => panic!("no matching diagnostics for {uri} within 30 s"),
            }
        }
    }

    /// A request from the server (e.g. registering capabilities): answered
    /// as a client that accepts it, and kept for the test to look at.
    fn answer(&mut self, msg: Value) {
        let reply = json!({ "jsonrpc": "2.0", "id": msg["id"], "result": null });
        self.send(&reply);
        self.server_requests.push(msg);
    }

    /// Waits for a request from the server with this method (answered
    /// already if it came earlier) and returns it.
    #[allow(dead_code)] // not every user of this client waits for one
    pub fn server_request(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(r) = self.server_requests.iter().find(|r| r["method"] == method) {
                return r.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if is_server_request(&m) => self.answer(m),
                Ok(m) => self.notifications.push(m),
                Err(_) => panic!("no {method} request from the server within 30 s"),
            }
        }
    }

    pub fn initialize(&mut self, root_uri: &str) -> Value {
        self.initialize_with(root_uri, json!({}))
    }

    /// `initialize` with the given client capabilities, then `initialized`.
    pub fn initialize_with(&mut self, root_uri: &str, capabilities: Value) -> Value {
        let r = self.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": capabilities,
                    "workspaceFolders": [{ "uri": root_uri, "name": "ws" }] }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "guidepath", "version": 1, "text": text } }),
        );
    }

    /// Takes what the server sends for a while (answering its requests),
    /// into `notifications`.
    #[allow(dead_code)] // not every user of this client waits this way
    pub fn pump(&mut self, for_: Duration) {
        let deadline = Instant::now() + for_;
        while let Ok(m) = self.incoming.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if is_server_request(&m) {
                self.answer(m);
            } else {
                self.notifications.push(m);
            }
        }
    }

    /// Sends a message as given (for requests without `params`, say).
    #[allow(dead_code)] // not every user of this client sends raw messages
    pub fn send_raw(&mut self, msg: Value) {
        self.send(&msg);
    }

    /// Sends bytes as they are: malformed frames.
    #[allow(dead_code)] // not every user of this client sends bytes
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("the server reads");
        self.stdin.flush().expect("the server reads");
    }

    /// Waits for a message from the server that satisfies `ok` (answering
    /// its requests meanwhile) and returns it.
    #[allow(dead_code)] // not every user of this client waits this way
    pub fn message(&mut self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        if let Some(k) = self.notifications.iter().position(&ok) {
            return self.notifications.remove(k);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.incoming.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(m) if ok(&m) => return m,
                Ok(m) if is_server_request(&m) => self.answer(m),
                Ok(m) => self.notifications.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within 30 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server exited before {what}"),
            }
        }
    }

    /// Sends a message that the server may no longer read (after `exit`):
    /// a closed pipe is what is expected then, not a failure.
    #[allow(dead_code)] // not every user of this client sends after exit
    pub fn send_after_exit(&mut self, msg: Value) {
        let body = serde_json::to_string(&msg).expect("a message serialises");
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.stdin.flush();
    }

    /// Waits for the server to exit while its input stays open, as a client
    /// that does not close the pipe (eglot, lsp-mode) waits; `None` if it
    /// is still running after `within`, when it is killed.
    #[allow(dead_code)] // not every user of this client waits this way
    pub fn wait_exit(mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `shutdown`, `exit`, and the end of the server's input, as editors
    /// do it; the server's exit status.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let Client { mut child, stdin, .. } = self;
        drop(stdin);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn is_server_request(m: &Value) -> bool {
    m.get("method").is_some() && m.get("id").is_some()
}

fn is_diag_for(m: &Value, uri: &str) -> bool {
    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

/// A file URI for a path.
pub fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}
