//! Lessons as the app downloads them: the lesson list (`index.json`, one
//! [`LessonCard`] per lesson in teaching order) and one JSON file per
//! lesson (`<id>.json`), written into `dist/lessons/` by `hoplab-cli lesson
//! bundle` when the app is built. The app fetches the list when the learner
//! first asks for lessons and a lesson when it opens, so lesson text and the
//! TOML reader stay out of the first download.
//!
//! A lesson file is the typed [`Lesson`] the checker validated, serialized,
//! with its Markdown already turned into blocks ([`LessonFile`]): the app
//! reads it back with the same types and the same checks
//! ([`LessonFile::from_json`]) and holds no TOML or Markdown parser.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Lesson, Level};
use super::LessonError;
use crate::view::lesson::{markdown, plain_blocks, Block};

/// The bundle's format version, in `index.json`. A page refuses a bundle
/// of another version (an old page left open while the site was updated).
pub const BUNDLE_FORMAT: u32 = 1;

/// The most bytes the app reads for one bundle file: far above any lesson
/// (the largest is about 20 KB), far below what could stall a page.
pub const MAX_BUNDLE_FILE_BYTES: usize = 1 << 20;

/// A lesson's entry in the lesson list: what the picker shows before the
/// lesson itself is downloaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub level: Level,
    pub minutes: u32,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub challenge: bool,
    /// How many steps the lesson has (for "2 / 5 steps").
    pub steps: usize,
}

impl LessonCard {
    pub fn of(l: &Lesson) -> LessonCard {
        LessonCard {
            id: l.id.clone(),
            title: l.title.clone(),
            summary: l.summary.clone(),
            level: l.level,
            minutes: l.minutes,
            topics: l.topics.clone(),
            requires: l.requires.clone(),
            challenge: l.challenge,
            steps: l.steps.len(),
        }
    }
}

/// `index.json`: the lessons in teaching order, and the lesson files that
/// did not read (a message each; the checker refuses them in CI, so a
/// built site normally has none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleIndex {
    pub format: u32,
    pub lessons: Vec<LessonCard>,
    #[serde(default)]
    pub broken: Vec<String>,
}

impl BundleIndex {
    /// The list of the lessons built into this program (`catalog`), in
    /// teaching order (`curriculum`).
    pub fn of_catalog() -> BundleIndex {
        BundleIndex {
            format: BUNDLE_FORMAT,
            lessons: super::curriculum().iter().map(LessonCard::of).collect(),
            broken: super::catalog()
                .into_iter()
                .filter_map(|(id, text)| {
                    Lesson::from_toml(text).err().map(|e| format!("{id}: {e}"))
                })
                .collect(),
        }
    }

    /// Read `index.json` as downloaded: too large, not JSON, the wrong
    /// shape or another format version is refused with a message.
    pub fn from_json(text: &str) -> Result<BundleIndex, String> {
        within_limit(text)?;
        let index: BundleIndex = crate::sim::text::read_json(text).map_err(|(path, e)| {
            crate::sim::text::field_error("the lesson list", &path, &e.to_string())
        })?;
        if index.format != BUNDLE_FORMAT {
            return Err(format!(
                "the lesson list is format {}, this page reads format {BUNDLE_FORMAT}: reload the page",
                index.format
            ));
        }
        Ok(index)
    }
}

fn within_limit(text: &str) -> Result<(), String> {
    if text.len() > MAX_BUNDLE_FILE_BYTES {
        return Err(format!(
            "a lesson file is larger than {MAX_BUNDLE_FILE_BYTES} bytes"
        ));
    }
    Ok(())
}

/// One lesson as the page downloads it (`<id>.json`): the lesson, and its
/// Markdown (step texts, hints, explanations) already turned into blocks,
/// so the page holds no Markdown parser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    pub lesson: Lesson,
    /// Each Markdown text of the lesson and its blocks.
    pub text: BTreeMap<String, Vec<Block>>,
}

impl LessonFile {
    /// The bundle file of a lesson: its Markdown rendered once, here.
    pub fn of(lesson: Lesson) -> LessonFile {
        let mut text = BTreeMap::new();
        for s in &lesson.steps {
            for t in std::iter::once(&s.text)
                .chain(std::iter::once(&s.explanation))
                .chain(s.hints.iter())
            {
                text.entry(t.clone()).or_insert_with(|| markdown(t));
            }
        }
        LessonFile { lesson, text }
    }

    /// The blocks of one of the lesson's texts (plain paragraphs for a text
    /// the file has no blocks for).
    pub fn blocks(&self, text: &str) -> Vec<Block> {
        self.text
            .get(text)
            .cloned()
            .unwrap_or_else(|| plain_blocks(text))
    }

    /// Read a lesson as the bundle holds it (JSON), with the same checks as
    /// a lesson file: the ids it names, its steps, its goals.
    pub fn from_json(text: &str) -> Result<LessonFile, LessonError> {
        within_limit(text).map_err(LessonError::whole)?;
        let file: LessonFile = crate::sim::text::read_json(text).map_err(|(path, e)| {
            LessonError::whole(crate::sim::text::field_error(
                "the lesson file",
                &path,
                &e.to_string(),
            ))
        })?;
        Ok(LessonFile {
            lesson: file.lesson.validated()?,
            text: file.text,
        })
    }

    /// The lesson as its bundle file holds it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a lesson serializes")
    }
}

/// Write the bundle of the built-in lessons into `dir`: `index.json` and
/// one `<id>.json` per lesson. Returns how many lessons were written.
pub fn write_bundle(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let index = BundleIndex::of_catalog();
    let lessons = super::curriculum();
    for l in &lessons {
        let file = LessonFile::of(l.clone());
        std::fs::write(dir.join(format!("{}.json", l.id)), file.to_json())?;
    }
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_string(&index).expect("the index serializes"),
    )?;
    Ok(lessons.len())
}
