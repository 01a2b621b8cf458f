//! A real `guidepath serve` on a loopback port, and an HTTP client for it.

#![allow(dead_code)]

use serde_json::Value as J;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, stopped (SIGTERM) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub addr: String,
    /// The line that says where it listens.
    pub banner: String,
    pub log: std::sync::mpsc::Receiver<String>,
}

impl Server {
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_guidepath"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("guidepath serve starts");
        let Some(stderr) = child.stderr.take() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stderr is piped");
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("the server says where it listens");
            if let Some(at) = line.split("listening on http://").nth(1) {
                let addr = at.trim().to_string();
                return Server { child, base: format!("http://{addr}"), addr, banner: line.clone(), log: rx };
            }
        }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child this test started.
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }

    /// Waits for a line of the server's log containing `what`.
    pub fn wait_log(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = self.log.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect(what);
            if line.contains(what) {
                return line;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal(libc::SIGTERM);
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Status, content type and body of a request.
pub fn call(
    a: &ureq::Agent,
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, String, String) {
    let resp = match method {
        "GET" => a.get(url).call(),
        _ => {
            let mut r = a.post(url);
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            r.send(body)
        }
    };
    let mut resp = resp.expect("the server answers");
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default();
    (status, ct, text)
}

pub fn post_json(a: &ureq::Agent, url: &str, ct: &str, body: &str) -> (u16, J) {
    let (s, _, text) = call(a, "POST", url, Some(ct), body.as_bytes());
    (s, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {text}")))
}
