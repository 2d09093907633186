//! The names a prompt gives its references ("image 1", "@video2", "Audio #1"): finding
//! them in the creator's words, telling which name no attached reference answers to, and
//! listing the names the service understands so the compose box can offer them after `@`.
//!
//! The service numbers references from 1 within each kind, in the order they are attached
//! (service-api §3.4: "Reference image 1 failed review" counts among the images only). A
//! prompt that says "image 3" with two images attached is not refused by the service: the
//! task runs and the words point at nothing, which is why the check warns before anything
//! is paid. This module owns only the reading of names; what to say about them is in
//! `validate`.

use crate::media::MediaKind;
use crate::request::GenerationRequest;
use std::ops::Range;

/// One place where the prompt names a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub kind: MediaKind,
    /// 1-based, within its kind.
    pub number: usize,
    /// Byte range of the whole name in the prompt (the `@` included), for highlighting.
    pub span: Range<usize>,
}

/// A name the compose box can offer for an attached reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceName {
    pub kind: MediaKind,
    pub number: usize,
    /// Position in `request.references`.
    pub position: usize,
    /// "image 1", as the service's documentation writes it.
    pub name: String,
}

/// Words that name a kind, longest first so "images" is not read as "image" + "s".
const KIND_WORDS: [(&str, MediaKind); 5] = [
    ("image", MediaKind::Image),
    ("video", MediaKind::Video),
    ("audio", MediaKind::Audio),
    ("img", MediaKind::Image),
    ("vid", MediaKind::Video),
];

/// A reference number has at most two digits: the largest list is 30 images, and "image
/// 1080" is about a resolution, not a reference.
const MAX_DIGITS: usize = 2;

/// The singular word for a kind, as the names are written.
pub fn kind_word(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
    }
}

/// Every reference name in `prompt`, in order. Recognised forms, in any letter case:
/// `image 1`, `image1`, `@image1`, `@Image 1`, `image #1`, `img 2`, `vid 1`, `video_2`.
/// A name must stand alone: `rimage 1`, `image 1080p` and `image 12a` are not names.
pub fn mentions(prompt: &str) -> Vec<Mention> {
    let bytes = prompt.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match mention_at(prompt, i) {
            Some(mention) => {
                i = mention.span.end;
                found.push(mention);
            }
            None => i += 1,
        }
    }
    found
}

fn mention_at(prompt: &str, start: usize) -> Option<Mention> {
    let bytes = prompt.as_bytes();
    if !prompt.is_char_boundary(start) || (start > 0 && is_word_byte(bytes[start - 1])) {
        return None;
    }
    let mut at = start;
    if bytes[at] == b'@' {
        at += 1;
    }
    let rest = &bytes[at..];
    let (word, kind) = KIND_WORDS.iter().find(|(word, _)| {
        rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    })?;
    at += word.len();
    // One separator at most between the word and its number.
    if matches!(bytes.get(at), Some(b' ' | b'#' | b'_' | b'-')) {
        at += 1;
        if bytes.get(at - 1) == Some(&b' ') && bytes.get(at) == Some(&b'#') {
            at += 1;
        }
    }
    let digits_start = at;
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        at += 1;
    }
    let digits = at - digits_start;
    if digits == 0 || digits > MAX_DIGITS || bytes.get(at).is_some_and(|b| is_word_byte(*b)) {
        return None;
    }
    let number: usize = prompt[digits_start..at].parse().ok()?;
    if number == 0 {
        return None;
    }
    Some(Mention {
        kind: *kind,
        number,
        span: start..at,
    })
}

/// Letters, digits and `_` continue a word; anything else (spaces, punctuation, non-ASCII
/// bytes of other scripts) ends it.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The names of the references attached to `request`, in the order attached.
pub fn reference_names(request: &GenerationRequest) -> Vec<ReferenceName> {
    (0..request.references.len())
        .filter_map(|position| {
            let kind = request.references[position].kind;
            let number = request.index_within_kind(position)?;
            Some(ReferenceName {
                kind,
                number,
                position,
                name: format!("{} {number}", kind_word(kind)),
            })
        })
        .collect()
}

/// The names in the prompt that no attached reference answers to, each (kind, number)
/// once, in the order they first appear.
pub fn unanswered(request: &GenerationRequest) -> Vec<Mention> {
    let mut seen: Vec<(MediaKind, usize)> = Vec::new();
    mentions(&request.prompt)
        .into_iter()
        .filter(|m| m.number > request.count_of(m.kind))
        .filter(|m| {
            let key = (m.kind, m.number);
            let first = !seen.contains(&key);
            seen.push(key);
            first
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(prompt: &str) -> Vec<(MediaKind, usize, &str)> {
        mentions(prompt)
            .into_iter()
            .map(|m| (m.kind, m.number, &prompt[m.span]))
            .collect()
    }

    #[test]
    fn every_documented_spelling_is_a_name() {
        use MediaKind::*;
        assert_eq!(
            names("A person @image1 walks; the dog from Image 2 follows"),
            vec![(Image, 1, "@image1"), (Image, 2, "Image 2")]
        );
        assert_eq!(
            names("@Video1, audio #2, img 3, vid_4, @Audio 1."),
            vec![
                (Video, 1, "@Video1"),
                (Audio, 2, "audio #2"),
                (Image, 3, "img 3"),
                (Video, 4, "vid_4"),
                (Audio, 1, "@Audio 1"),
            ]
        );
    }

    #[test]
    fn words_that_only_look_like_names_are_not_names() {
        for prompt in [
            "an image of a cat",
            "image 1080p, crisp",
            "video 0 is not a number we use",
            "imagery 2 and reimage 3",
            "image 123",
            "image 1a",
            "images 1 and 2",
            "",
            "画像 1 と image",
        ] {
            assert_eq!(names(prompt), vec![], "{prompt:?}");
        }
    }

    #[test]
    fn names_next_to_other_scripts_and_punctuation_are_found() {
        assert_eq!(
            names("见 image 1。(video 2)"),
            vec![
                (MediaKind::Image, 1, "image 1"),
                (MediaKind::Video, 2, "video 2")
            ]
        );
    }
}
