//! The file: opened without following a symbolic link, created 0600 (an existing one with
//! wider permissions is tightened), locked against a second writer, and appended to one
//! whole line at a time — a failed append is cut off again so no partial line stays.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::Error;

/// What an append needs from the file; tests put faults in between.
pub(crate) trait Storage: Send {
    /// One `write(2)`: returns how many bytes went in.
    fn write_once(&mut self, buf: &[u8]) -> io::Result<usize>;
    /// `fdatasync(2)`: data and the file size on disk.
    fn sync(&mut self) -> io::Result<()>;
    fn truncate(&mut self, len: u64) -> io::Result<()>;
    fn len(&mut self) -> io::Result<u64>;
}

impl Storage for File {
    fn write_once(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write(buf)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }

    fn len(&mut self) -> io::Result<u64> {
        self.metadata().map(|m| m.len())
    }
}

/// Why an append failed, and whether the file is back to its previous length.
#[derive(Debug)]
pub(crate) struct AppendFailure {
    pub cause: io::Error,
    pub undone: bool,
}

/// Append `line` (ending with `\n`) to a file of `len_before` bytes opened with `O_APPEND`:
/// a single write, then fsync. On any failure — a short write (disk full), an error, a failed
/// fsync (the data's fate is then unknown) — cut the file back to `len_before` and fsync that,
/// so the record is either wholly there or not at all.
pub(crate) fn append_line(
    s: &mut dyn Storage,
    len_before: u64,
    line: &[u8],
) -> Result<(), AppendFailure> {
    let mut wrote_nothing = false;
    let cause = match s.write_once(line) {
        Ok(n) if n == line.len() => match s.sync() {
            Ok(()) => return Ok(()),
            Err(e) => e,
        },
        Ok(n) => io::Error::new(
            io::ErrorKind::StorageFull,
            format!(
                "only {n} of {} bytes could be written (disk full?)",
                line.len()
            ),
        ),
        Err(e) => {
            wrote_nothing = true;
            e
        }
    };
    let undone = s.truncate(len_before).and_then(|()| s.sync()).is_ok()
        // A read-only file system refuses the truncation too, but then nothing went in.
        || (wrote_nothing && s.len().is_ok_and(|l| l == len_before));
    Err(AppendFailure { cause, undone })
}

#[cfg(unix)]
fn no_follow(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    // Refuse a symbolic link as the last path component (ELOOP) instead of writing seeds
    // wherever it points.
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC;
    opts.custom_flags(i32::try_from(flags.bits()).unwrap_or(0));
}

#[cfg(not(unix))]
fn no_follow(_: &mut OpenOptions) {}

fn open_error(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |e| {
        let symlink = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if symlink {
            Error::Symlink { path }
        } else if e.kind() == io::ErrorKind::AlreadyExists {
            Error::Exists { path }
        } else {
            Error::Io {
                path,
                action,
                source: e,
            }
        }
    }
}

/// Create a new file, mode 0600, for appending; fails if anything exists at `path`
/// (`O_EXCL` also refuses a symbolic link, even a dangling one).
pub(crate) fn create_new(path: &Path) -> Result<File, Error> {
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    no_follow(&mut opts);
    let file = opts.open(path).map_err(open_error(path, "create"))?;
    lock(&file, path)?;
    Ok(file)
}

/// The outcome of opening an existing file.
pub(crate) struct Opened {
    pub file: File,
    /// Permission bits before they were tightened (or, read-only, that are too wide).
    pub wide_mode: Option<u32>,
}

/// Open an existing regular file. `write`: for appending, locked, and tightened to 0600 if
/// group or others had any access; otherwise read-only and left as it is.
pub(crate) fn open_existing(path: &Path, write: bool) -> Result<Opened, Error> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    if write {
        opts.append(true);
    }
    no_follow(&mut opts);
    let file = opts.open(path).map_err(open_error(path, "open"))?;
    let meta = file
        .metadata()
        .map_err(Error::io(path, "read the metadata of"))?;
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if write {
        lock(&file, path)?;
    }
    let wide_mode = wide_mode(&meta);
    #[cfg(unix)]
    if write && wide_mode.is_some() {
        use std::os::unix::fs::PermissionsExt;
        // fchmod on the open descriptor: no window where another file could take its place.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(Error::io(path, "restrict the permissions (chmod 600) of"))?;
    }
    Ok(Opened { file, wide_mode })
}

#[cfg(unix)]
fn wide_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn wide_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// One writer per journal: an exclusive advisory lock, released when the file is closed.
#[cfg(unix)]
fn lock(file: &File, path: &Path) -> Result<(), Error> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(Error::Locked {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(Error::Io {
            path: path.to_path_buf(),
            action: "lock",
            source: e.into(),
        }),
    }
}

#[cfg(not(unix))]
fn lock(_: &File, _: &Path) -> Result<(), Error> {
    Ok(())
}

/// The whole file, in memory that is wiped afterwards (a plain-text journal holds seeds).
pub(crate) fn read_all(file: &mut File, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    let len = file
        .metadata()
        .map_err(Error::io(path, "read the metadata of"))?
        .len();
    // Sized up front: growing the buffer would leave unwiped copies behind.
    let cap = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(cap));
    file.read_to_end(&mut buf)
        .map_err(Error::io(path, "read"))?;
    Ok(buf)
}

/// fsync the directory holding `path`, so a new file's name survives a power loss.
pub(crate) fn sync_parent(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(Error::io(dir, "sync the directory"))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A file in memory whose writes, syncs and truncations fail on demand.
    #[derive(Default)]
    pub(crate) struct Faulty {
        pub data: Vec<u8>,
        /// A write stores at most this many bytes, then fails (or returns short).
        pub room: Option<usize>,
        /// A short write returns the count instead of an error.
        pub short: bool,
        pub fail_sync: bool,
        pub fail_truncate: bool,
    }

    impl Storage for Faulty {
        fn write_once(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = self.room.map_or(buf.len(), |r| r.min(buf.len()));
            self.data.extend_from_slice(&buf[..n]);
            if let Some(r) = &mut self.room {
                *r -= n;
            }
            if n < buf.len() && (!self.short || n == 0) {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            Ok(n)
        }

        fn sync(&mut self) -> io::Result<()> {
            if self.fail_sync {
                Err(io::Error::other("EIO"))
            } else {
                Ok(())
            }
        }

        fn truncate(&mut self, len: u64) -> io::Result<()> {
            if self.fail_truncate {
                return Err(io::Error::other("EIO"));
            }
            self.data.truncate(len as usize);
            Ok(())
        }

        fn len(&mut self) -> io::Result<u64> {
            Ok(self.data.len() as u64)
        }
    }

    #[test]
    fn append_is_whole_or_nothing() {
        let line = b"{\"seq\":2}\n";
        for room in 0..line.len() {
            for short in [false, true] {
                let mut f = Faulty {
                    data: b"head\n".to_vec(),
                    room: Some(room),
                    short,
                    ..Faulty::default()
                };
                let e = append_line(&mut f, 5, line).unwrap_err();
                assert!(e.undone, "room {room}");
                assert_eq!(f.data, b"head\n", "room {room} short {short}");
            }
        }
        let mut f = Faulty {
            data: b"head\n".to_vec(),
            ..Faulty::default()
        };
        append_line(&mut f, 5, line).unwrap();
        assert_eq!(f.data, b"head\n{\"seq\":2}\n");
    }

    #[test]
    fn failed_fsync_is_undone_or_reported() {
        let mut f = Faulty {
            data: b"head\n".to_vec(),
            fail_sync: true,
            ..Faulty::default()
        };
        let e = append_line(&mut f, 5, b"x\n").unwrap_err();
        // The truncation took place but its own fsync failed too: not known to be durable.
        assert!(!e.undone);
        assert_eq!(e.cause.to_string(), "EIO");
        let mut f = Faulty {
            data: b"head\n".to_vec(),
            room: Some(1),
            fail_truncate: true,
            ..Faulty::default()
        };
        let e = append_line(&mut f, 5, b"xyz\n").unwrap_err();
        assert!(!e.undone);
        assert_eq!(
            f.data, b"head\nx",
            "the partial line stays when truncate fails"
        );
    }
}
