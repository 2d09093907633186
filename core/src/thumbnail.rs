//! Gallery thumbnails: small JPEG copies of the videos' last frames, made once and kept in
//! a cache folder under the app's data folder.
//!
//! The service's last frame is a PNG at the video's own resolution (service-api §4.3,
//! `lastFrameImage`), so a first screen of full-size posters made the web process decode
//! far more than it shows and showed its pictures late (figures in docs/benchmarks.md,
//! "Posters at the service's resolution"). Cards are at most a few hundred pixels wide;
//! the gallery shows these thumbnails and the details drawer keeps the full frame.
//!
//! Invariants: a thumbnail file is complete or absent (written to a temporary name, synced,
//! then renamed); its name is derived from the poster's path, size and modification time, so
//! a replaced poster gets a new thumbnail and never an old one; a poster already within
//! [`THUMBNAIL_MAX`] is served as it is, never enlarged or re-encoded.

use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The largest thumbnail, in pixels: twice the widest card (≈ 320 CSS pixels at 1280 wide),
/// so it stays sharp on a 2× screen. The aspect ratio is kept.
pub const THUMBNAIL_MAX: (u32, u32) = (640, 360);

/// JPEG quality of thumbnails: no visible blocking at card size, ≈ 40–70 kB each.
const JPEG_QUALITY: u8 = 82;

/// A poster file larger than this is not read: no last frame is near it (a 4K PNG is
/// ≈ 25 MB), and reading it would only hold the memory.
pub const MAX_POSTER_BYTES: u64 = 128 * 1024 * 1024;

/// What the gallery is given for one poster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailFile {
    pub path: PathBuf,
    /// `image/jpeg` for a made thumbnail; the poster's own type when it is served as it is.
    pub mime: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("the last frame {path} cannot be read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the last frame {path} is {bytes} bytes, larger than any last frame")]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("the last frame {path} is not a PNG or JPEG image that can be decoded: {reason}")]
    Decode { path: PathBuf, reason: String },
    #[error("the thumbnail folder {path} cannot be written: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The thumbnail folder.
#[derive(Debug, Clone)]
pub struct ThumbnailCache {
    dir: PathBuf,
}

impl ThumbnailCache {
    /// The folder is created when the first thumbnail is written.
    pub fn new(dir: impl Into<PathBuf>) -> ThumbnailCache {
        ThumbnailCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The thumbnail already made for `poster`, if any (one `stat` of the poster and one of
    /// the thumbnail: cheap enough for every gallery request).
    pub fn cached(&self, poster: &Path) -> Result<Option<ThumbnailFile>, ThumbnailError> {
        let path = self.path_for(poster)?;
        Ok(path.is_file().then_some(ThumbnailFile {
            path,
            mime: "image/jpeg",
        }))
    }

    /// The thumbnail for `poster`, made now if it is not in the cache yet; the poster itself
    /// when it is already small. Decoding a 1080p PNG takes tens of milliseconds: call it
    /// off any thread that draws.
    pub fn get_or_make(&self, poster: &Path) -> Result<ThumbnailFile, ThumbnailError> {
        if let Some(hit) = self.cached(poster)? {
            return Ok(hit);
        }
        let read_error = |source| ThumbnailError::Read {
            path: poster.to_path_buf(),
            source,
        };
        let decode_error = |reason: String| ThumbnailError::Decode {
            path: poster.to_path_buf(),
            reason,
        };
        let bytes = std::fs::metadata(poster).map_err(read_error)?.len();
        if bytes > MAX_POSTER_BYTES {
            return Err(ThumbnailError::TooLarge {
                path: poster.to_path_buf(),
                bytes,
            });
        }
        let reader = || -> Result<ImageReader<BufReader<File>>, ThumbnailError> {
            let mut reader =
                ImageReader::new(BufReader::new(File::open(poster).map_err(read_error)?))
                    .with_guessed_format()
                    .map_err(read_error)?;
            // Dimensions and allocation are bounded before any pixel is decoded: a crafted
            // header cannot make the shell allocate gigabytes.
            let mut limits = Limits::default();
            limits.max_image_width = Some(16_384);
            limits.max_image_height = Some(16_384);
            limits.max_alloc = Some(512 * 1024 * 1024);
            reader.limits(limits);
            Ok(reader)
        };
        let first = reader()?;
        let mime = match first.format() {
            Some(ImageFormat::Png) => "image/png",
            Some(ImageFormat::Jpeg) => "image/jpeg",
            Some(other) => {
                return Err(decode_error(format!(
                    "{other:?} is not a last-frame format"
                )))
            }
            None => return Err(decode_error("its bytes are not an image".into())),
        };
        let (width, height) = first
            .into_dimensions()
            .map_err(|e| decode_error(e.to_string()))?;
        if width <= THUMBNAIL_MAX.0 && height <= THUMBNAIL_MAX.1 {
            return Ok(ThumbnailFile {
                path: poster.to_path_buf(),
                mime,
            });
        }
        let image = reader()?
            .decode()
            .map_err(|e| decode_error(e.to_string()))?;
        let small = image::DynamicImage::ImageRgb8(
            image.thumbnail(THUMBNAIL_MAX.0, THUMBNAIL_MAX.1).to_rgb8(),
        );
        let mut encoded = Vec::with_capacity(96 * 1024);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut encoded, JPEG_QUALITY)
            .encode_image(&small)
            .map_err(|e| decode_error(e.to_string()))?;
        let path = self.path_for(poster)?;
        self.write_atomically(&path, &encoded)?;
        Ok(ThumbnailFile {
            path,
            mime: "image/jpeg",
        })
    }

    /// Removes the thumbnail made for `poster` (when its task leaves the history; the
    /// poster itself stays in the library). Whether one was removed.
    pub fn forget(&self, poster: &Path) -> bool {
        self.path_for(poster)
            .map(|path| std::fs::remove_file(path).is_ok())
            .unwrap_or(false)
    }

    /// `<dir>/<key>.jpg`, the key a hash of the poster's path, size and modification time.
    fn path_for(&self, poster: &Path) -> Result<PathBuf, ThumbnailError> {
        let meta = std::fs::metadata(poster).map_err(|source| ThumbnailError::Read {
            path: poster.to_path_buf(),
            source,
        })?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut hash = Sha256::new();
        hash.update(poster.as_os_str().as_encoded_bytes());
        hash.update([0]);
        hash.update(meta.len().to_le_bytes());
        hash.update(modified.to_le_bytes());
        let key = hex::encode(&hash.finalize()[..12]);
        Ok(self.dir.join(format!("{key}.jpg")))
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<(), ThumbnailError> {
        let write_error = |source| ThumbnailError::Write {
            path: self.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(write_error)?;
        // Unique per writer: two requests for the same poster may race; both write whole
        // files and the last rename wins with identical bytes.
        let temp = self.dir.join(format!(
            ".{}.{}-{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("thumb"),
            std::process::id(),
            rand::random::<u32>()
        ));
        let result = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, RgbImage};

    fn write_png(path: &Path, width: u32, height: u32) {
        let img: RgbImage = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        img.save_with_format(path, ImageFormat::Png)
            .expect("test PNG written");
    }

    /// PNG chunk CRC (ISO 3309), so the edited header above is a valid one.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn dims(path: &Path) -> (u32, u32) {
        image::image_dimensions(path).expect("dimensions readable")
    }

    #[test]
    fn a_1080p_frame_becomes_a_small_jpeg_with_its_aspect_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let poster = dir.path().join("clip_lastframe.png");
        write_png(&poster, 1920, 1080);
        let cache = ThumbnailCache::new(dir.path().join("thumbnails"));
        assert_eq!(cache.cached(&poster).expect("stat"), None);

        let made = cache.get_or_make(&poster).expect("thumbnail made");
        assert_eq!(made.mime, "image/jpeg");
        assert!(made.path.starts_with(cache.dir()));
        assert_eq!(dims(&made.path), (640, 360));
        assert_eq!(
            image::ImageFormat::from_path(&made.path).ok(),
            Some(ImageFormat::Jpeg)
        );
        let size = std::fs::metadata(&made.path)
            .expect("thumbnail on disk")
            .len();
        assert!(size < 150_000, "thumbnail is {size} bytes");

        // Second time: the same file, from the cache; no temporary file left behind.
        assert_eq!(cache.cached(&poster).expect("stat"), Some(made.clone()));
        assert_eq!(cache.get_or_make(&poster).expect("cached"), made);
        assert!(cache.forget(&poster));
        assert_eq!(cache.cached(&poster).expect("stat"), None);
        assert!(poster.is_file(), "the poster itself stays");
        let made = cache.get_or_make(&poster).expect("made again");
        let names: Vec<_> = std::fs::read_dir(cache.dir())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![made.path.file_name().expect("name").to_owned()]);
    }

    #[test]
    fn a_portrait_frame_fits_the_height() {
        let dir = tempfile::tempdir().expect("temp dir");
        let poster = dir.path().join("tall.png");
        write_png(&poster, 720, 1280);
        let made = ThumbnailCache::new(dir.path().join("t"))
            .get_or_make(&poster)
            .expect("made");
        assert_eq!(dims(&made.path), (203, 360));
    }

    #[test]
    fn a_small_frame_is_served_as_it_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let poster = dir.path().join("small.png");
        write_png(&poster, 320, 180);
        let cache = ThumbnailCache::new(dir.path().join("t"));
        let got = cache.get_or_make(&poster).expect("served");
        assert_eq!(
            got,
            ThumbnailFile {
                path: poster.clone(),
                mime: "image/png"
            }
        );
        assert!(!cache.dir().exists(), "nothing written for a small poster");
    }

    #[test]
    fn a_replaced_poster_gets_a_new_thumbnail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let poster = dir.path().join("frame.png");
        write_png(&poster, 1280, 720);
        let cache = ThumbnailCache::new(dir.path().join("t"));
        let first = cache.get_or_make(&poster).expect("made");
        write_png(&poster, 1920, 1080);
        let second = cache.get_or_make(&poster).expect("made again");
        assert_ne!(first.path, second.path);
    }

    #[test]
    fn bad_posters_are_errors_that_name_the_file_and_write_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = ThumbnailCache::new(dir.path().join("t"));

        let missing = dir.path().join("gone.png");
        let err = cache.get_or_make(&missing).expect_err("missing");
        assert!(matches!(err, ThumbnailError::Read { .. }), "{err}");
        assert!(err.to_string().contains("gone.png"), "{err}");

        let empty = dir.path().join("empty.png");
        std::fs::write(&empty, b"").expect("write");
        assert!(matches!(
            cache.get_or_make(&empty),
            Err(ThumbnailError::Decode { .. })
        ));

        let html = dir.path().join("error page.png");
        std::fs::write(&html, b"<html><body>502 Bad Gateway</body></html>").expect("write");
        let err = cache.get_or_make(&html).expect_err("html");
        assert!(matches!(err, ThumbnailError::Decode { .. }), "{err}");
        assert!(err.to_string().contains("error page.png"), "{err}");

        // A real PNG cut off halfway (a download that stopped): the header reads, the
        // pixels do not.
        let whole = dir.path().join("whole.png");
        write_png(&whole, 1280, 720);
        let bytes = std::fs::read(&whole).expect("read");
        let cut = dir.path().join("cut.png");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
        assert!(matches!(
            cache.get_or_make(&cut),
            Err(ThumbnailError::Decode { .. })
        ));

        // A valid header claiming 100,000 × 100,000 pixels is refused by the limits, not
        // allocated.
        let mut huge = bytes.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        let bomb = dir.path().join("bomb.png");
        std::fs::write(&bomb, &huge).expect("write");
        assert_eq!(
            image::image_dimensions(&bomb).ok(),
            Some((100_000, 100_000)),
            "a valid header"
        );
        let err = cache.get_or_make(&bomb).expect_err("refused");
        assert!(matches!(err, ThumbnailError::Decode { .. }), "{err}");
        assert!(err.to_string().contains("limit"), "{err}");

        let leftovers = std::fs::read_dir(cache.dir())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(
            leftovers, 0,
            "no thumbnail or temporary file for a bad poster"
        );
    }
}
