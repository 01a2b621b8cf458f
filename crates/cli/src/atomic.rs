//! Writing files so that a crash mid-write loses nothing and leaves nothing.

use std::io::Write;
use std::path::Path;

/// Writes to a temporary file beside `path` and renames it over, so a crash
/// never leaves half a file; the folder is synced after the rename, so the
/// new name survives a power cut. A file that exists keeps its permissions.
/// Temporaries that killed runs left beside `path` are removed first.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    remove_stale(dir, name);
    let tmp = dir.join(temp_name(name, std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.PID.guidepath-tmp`: hidden, and naming the process that writes it.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.guidepath-tmp")
}

/// Removes the temporaries of `name` whose writer is no longer running: a
/// run killed between creating and renaming one (they once piled up, up to
/// 12 MB each).
fn remove_stale(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".guidepath-tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !running(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether a process with this id exists (on systems that cannot tell,
/// assume it does and leave its file alone).
fn running(pid: u32) -> bool {
    #[cfg(unix)]
    {
        if pid == std::process::id() {
            return true;
        }
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: signal 0 only asks whether the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_of_killed_runs_are_removed() {
        let dir = std::env::temp_dir().join(format!("guidepath-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A process that has ended: its id names no running process (ids
        // are not reused this soon on a machine that is not out of them).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.join(temp_name("x.guide", dead));
        let other = dir.join(temp_name("y.guide", dead));
        for p in [&stale, &other] {
            std::fs::write(p, "partial").unwrap();
        }
        write(&dir.join("x.guide"), b"whole\n").unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("x.guide")).unwrap(), "whole\n");
        assert!(!stale.exists(), "the killed run's file is gone");
        assert!(other.exists(), "another file's temporaries are its own");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
