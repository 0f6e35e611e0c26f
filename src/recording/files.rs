//! Recordings as files under the data directory: `recordings/<key>`, written to a temporary
//! name and renamed, so a reader never sees half a file.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{Location, RecordingStore};

/// Recording files in a directory.
#[derive(Debug, Clone)]
pub struct FileRecordings {
    root: PathBuf,
    spool: PathBuf,
}

impl FileRecordings {
    /// Keeps recordings under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            spool: root.join(".spool"),
            root,
        }
    }

    /// The file of `key`. Keys are made by Viva from its own ids; anything that could leave
    /// the directory is refused by construction.
    fn path(&self, key: &str) -> PathBuf {
        let safe: String = key
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '.' | '/' => c,
                _ => '_',
            })
            .collect();
        let relative: PathBuf = safe
            .split('/')
            .filter(|part| !part.is_empty() && !part.starts_with('.'))
            .collect();
        self.root.join(relative)
    }

    async fn parent_of(path: &Path) -> io::Result<()> {
        match path.parent() {
            Some(dir) => tokio::fs::create_dir_all(dir).await,
            None => Ok(()),
        }
    }
}

#[async_trait]
impl RecordingStore for FileRecordings {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.path(key);
        Self::parent_of(&path).await?;
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    }

    async fn put_file(&self, key: &str, spooled: &Path) -> io::Result<()> {
        let path = self.path(key);
        Self::parent_of(&path).await?;
        tokio::fs::rename(spooled, &path).await
    }

    fn locate(&self, key: &str) -> Location {
        Location::File(self.path(key))
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn spool_dir(&self) -> &Path {
        &self.spool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_directory() {
        let files = FileRecordings::new("/data/recordings");
        assert_eq!(
            files.path("org_1/rtc_2/rec_3.ogg"),
            PathBuf::from("/data/recordings/org_1/rtc_2/rec_3.ogg")
        );
        assert_eq!(
            files.path("../../etc/passwd"),
            PathBuf::from("/data/recordings/etc/passwd")
        );
        assert_eq!(
            files.path("/abs/../x y.ogg"),
            PathBuf::from("/data/recordings/abs/x_y.ogg")
        );
    }
}
