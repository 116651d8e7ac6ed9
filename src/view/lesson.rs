//! The lesson panel's presentation, computed natively: lesson text
//! (Markdown) as a small tree of blocks and inlines the UI turns into
//! elements, the progress the browser keeps per lesson, and the link that
//! opens a lesson (`#lesson=<id>`).
//!
//! Markdown is parsed with `pulldown-cmark` when the lesson bundle is
//! written (`lesson::bundle`), so the page receives blocks, not Markdown. Raw HTML in a lesson is shown
//! as text, never interpreted, and a link only keeps an `http(s)`, relative
//! or `#` target: lesson text cannot run script in the page.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Event, Parser, Tag};

/// A block of lesson text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A heading, level 1–6.
    Heading(u8, Vec<Inline>),
    /// A list; each item is a list of blocks. `start` is the first number of
    /// an ordered list, `None` for a bulleted list.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    /// A fenced or indented code block, as text.
    Code(String),
    Quote(Vec<Block>),
    Rule,
}

/// Text inside a block.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    /// A link; `href` is `None` when the target was not a safe one (the
    /// text is still shown).
    Link {
        href: Option<String>,
        children: Vec<Inline>,
    },
    /// A hard line break.
    Break,
}

/// One open container while the events are folded into a tree.
enum Open {
    Root,
    Paragraph,
    Heading(u8),
    List(Option<u64>),
    Item,
    Quote,
    Code,
    Strong,
    Emphasis,
    Link(Option<String>),
    /// Something shown by its children only (e.g. an HTML block, an image's
    /// alt text, a table cell, strikethrough).
    Plain,
}

enum Node {
    Block(Block),
    Inline(Inline),
}

/// Whether a link target may become an `href`: web links, mail, in-page
/// anchors and relative paths; never `javascript:` or `data:`.
pub fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') && !scheme.contains('#') => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Text with no blocks made for it: paragraphs at blank lines, as plain text.
pub fn plain_blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Paragraph(vec![Inline::Text(p.to_string())]))
        .collect()
}

/// Lesson Markdown as blocks. Raw HTML (blocks and inline tags) is kept as
/// the text it is.
pub fn markdown(text: &str) -> Vec<Block> {
    let mut stack: Vec<(Open, Vec<Node>)> = vec![(Open::Root, Vec::new())];
    for event in Parser::new(text) {
        match event {
            Event::Start(tag) => {
                let open = match tag {
                    Tag::Paragraph => Open::Paragraph,
                    Tag::Heading { level, .. } => Open::Heading(level as u8),
                    Tag::BlockQuote(_) => Open::Quote,
                    Tag::CodeBlock(_) => Open::Code,
                    Tag::List(start) => Open::List(start),
                    Tag::Item => Open::Item,
                    Tag::Emphasis => Open::Emphasis,
                    Tag::Strong => Open::Strong,
                    Tag::Link { dest_url, .. } => {
                        let url = dest_url.to_string();
                        Open::Link(safe_href(&url).then_some(url))
                    }
                    Tag::HtmlBlock => Open::Paragraph,
                    _ => Open::Plain,
                };
                stack.push((open, Vec::new()));
            }
            Event::End(_) => {
                if stack.len() == 1 {
                    continue; // an end without a start: nothing to close
                }
                let (open, children) = stack.pop().expect("more than the root");
                let node = close(open, children);
                let parent = &mut stack.last_mut().expect("the root stays").1;
                match node {
                    Some(Node::Inline(Inline::Text(t))) => push_text(parent, &t),
                    Some(n) => parent.push(n),
                    None => {}
                }
            }
            Event::Text(t)
            | Event::Html(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                push_text(parent, &t);
            }
            Event::Code(t) => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                parent.push(Node::Inline(Inline::Code(t.to_string())));
            }
            Event::SoftBreak => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                push_text(parent, " ");
            }
            Event::HardBreak => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                parent.push(Node::Inline(Inline::Break));
            }
            Event::Rule => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                parent.push(Node::Block(Block::Rule));
            }
            Event::FootnoteReference(t) => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                push_text(parent, &format!("[{t}]"));
            }
            Event::TaskListMarker(done) => {
                let parent = &mut stack.last_mut().expect("the root stays").1;
                push_text(parent, if done { "[x] " } else { "[ ] " });
            }
        }
    }
    // Close whatever a malformed stream left open, innermost first.
    while stack.len() > 1 {
        let (open, children) = stack.pop().expect("more than one");
        if let Some(node) = close(open, children) {
            stack.last_mut().expect("the root stays").1.push(node);
        }
    }
    let (_, nodes) = stack.pop().expect("the root");
    blocks(nodes)
}

/// Append text, joining it to text just before it.
fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if let Some(Node::Inline(Inline::Text(prev))) = nodes.last_mut() {
        prev.push_str(text);
    } else {
        nodes.push(Node::Inline(Inline::Text(text.to_string())));
    }
}

/// Children of a block container: runs of inlines (a tight list item's
/// text) become paragraphs.
fn blocks(nodes: Vec<Node>) -> Vec<Block> {
    let mut out = Vec::new();
    let mut run: Vec<Inline> = Vec::new();
    for n in nodes {
        match n {
            Node::Inline(i) => run.push(i),
            Node::Block(b) => {
                if !run.is_empty() {
                    out.push(Block::Paragraph(std::mem::take(&mut run)));
                }
                out.push(b);
            }
        }
    }
    if !run.is_empty() {
        out.push(Block::Paragraph(run));
    }
    out
}

/// Children of an inline container: blocks nested where only text belongs
/// are flattened to their text.
fn inlines(nodes: Vec<Node>) -> Vec<Inline> {
    let mut out: Vec<Node> = Vec::new();
    for n in nodes {
        match n {
            Node::Inline(Inline::Text(t)) => push_text(&mut out, &t),
            Node::Inline(i) => out.push(Node::Inline(i)),
            Node::Block(b) => push_text(&mut out, &block_text(&b)),
        }
    }
    out.into_iter()
        .filter_map(|n| match n {
            Node::Inline(i) => Some(i),
            Node::Block(_) => None,
        })
        .collect()
}

fn close(open: Open, children: Vec<Node>) -> Option<Node> {
    Some(match open {
        Open::Root => Node::Block(Block::Paragraph(inlines(children))),
        Open::Paragraph => {
            let content = inlines(children);
            if content.is_empty() {
                return None;
            }
            Node::Block(Block::Paragraph(content))
        }
        Open::Heading(level) => Node::Block(Block::Heading(level, inlines(children))),
        Open::List(start) => Node::Block(Block::List {
            start,
            items: children
                .into_iter()
                .filter_map(|n| match n {
                    Node::Block(Block::Quote(item)) => Some(item),
                    _ => None,
                })
                .collect(),
        }),
        // An item travels to its list as a quote-shaped carrier of blocks.
        Open::Item => Node::Block(Block::Quote(blocks(children))),
        Open::Quote => Node::Block(Block::Quote(blocks(children))),
        Open::Code => {
            let text: String = inlines(children).iter().map(inline_text).collect();
            Node::Block(Block::Code(text.trim_end_matches('\n').to_string()))
        }
        Open::Strong => Node::Inline(Inline::Strong(inlines(children))),
        Open::Emphasis => Node::Inline(Inline::Emphasis(inlines(children))),
        Open::Link(href) => Node::Inline(Inline::Link {
            href,
            children: inlines(children),
        }),
        Open::Plain => {
            let text: String = children
                .iter()
                .map(|n| match n {
                    Node::Inline(i) => inline_text(i),
                    Node::Block(b) => block_text(b),
                })
                .collect();
            Node::Inline(Inline::Text(text))
        }
    })
}

/// The plain text of an inline.
pub fn inline_text(i: &Inline) -> String {
    match i {
        Inline::Text(t) | Inline::Code(t) => t.clone(),
        Inline::Strong(c) | Inline::Emphasis(c) | Inline::Link { children: c, .. } => {
            c.iter().map(inline_text).collect()
        }
        Inline::Break => "\n".into(),
    }
}

/// The plain text of a block (for tests and screen-reader summaries).
pub fn block_text(b: &Block) -> String {
    match b {
        Block::Paragraph(c) | Block::Heading(_, c) => c.iter().map(inline_text).collect(),
        Block::List { items, .. } => items
            .iter()
            .map(|item| item.iter().map(block_text).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Code(t) => t.clone(),
        Block::Quote(c) => c.iter().map(block_text).collect::<Vec<_>>().join("\n"),
        Block::Rule => String::new(),
    }
}

/// What a returning learner reads above the step the lesson reopened at.
pub fn resumed_note(steps_done: usize) -> String {
    let done = if steps_done == 1 {
        "step 1".to_string()
    } else {
        format!("steps 1\u{2013}{steps_done}")
    };
    format!(
        "Welcome back. You had done {done}: their solutions were replayed, so the world is as you left it."
    )
}

/// The localStorage key the lesson progress is kept under.
pub const PROGRESS_KEY: &str = "hoplab.lessons.v1";

/// Which steps of which lessons the learner has completed (indexes from 0),
/// kept in the browser as JSON: `{"journey":[0,1]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: BTreeMap<String, BTreeSet<usize>>,
}

impl Progress {
    /// Progress from what the browser stored. Anything unreadable (an old
    /// format, a hand edit) counts as no progress rather than an error.
    pub fn from_json(text: &str) -> Progress {
        let done =
            serde_json::from_str::<BTreeMap<String, BTreeSet<usize>>>(text).unwrap_or_default();
        Progress { done }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.done).expect("a map of numbers serializes")
    }

    /// Record that step `step` of lesson `id` was completed. Returns whether
    /// that is news.
    pub fn mark(&mut self, id: &str, step: usize) -> bool {
        self.done.entry(id.to_string()).or_default().insert(step)
    }

    /// How many of the lesson's `total` steps are done.
    pub fn done_count(&self, id: &str, total: usize) -> usize {
        self.done
            .get(id)
            .map_or(0, |s| s.iter().filter(|&&i| i < total).count())
    }

    /// Where a returning learner picks the lesson up: the first step not
    /// done (steps count in order), or 0 when every step is done.
    pub fn resume_at(&self, id: &str, total: usize) -> usize {
        let done = self.done.get(id);
        let first = (0..total)
            .find(|i| !done.is_some_and(|d| d.contains(i)))
            .unwrap_or(total);
        if first >= total {
            0
        } else {
            first
        }
    }

    pub fn complete(&self, id: &str, total: usize) -> bool {
        total > 0 && self.done_count(id, total) == total
    }
}

/// "2 / 5 steps", or "done" when every step is.
pub fn progress_text(done: usize, total: usize) -> String {
    if total > 0 && done >= total {
        format!("done · {total} / {total} steps")
    } else {
        format!("{done} / {total} steps")
    }
}

/// "Step 2 of 5".
pub fn step_heading(index: usize, total: usize) -> String {
    format!("Step {} of {total}", index + 1)
}

/// The lesson a location hash asks for: `#lesson=dns` → `dns`. Other hashes
/// (none, `#`, `#something`) ask for none.
pub fn lesson_in_hash(hash: &str) -> Option<String> {
    let rest = hash.strip_prefix('#').unwrap_or(hash);
    rest.split('&')
        .find_map(|kv| kv.strip_prefix("lesson="))
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
}

/// The hash that opens lesson `id`.
pub fn lesson_hash(id: &str) -> String {
    format!("#lesson={id}")
}

/// What the panel says about the learner's prediction once the goals are
/// met: whether it matched the answer the engine computed.
pub fn prediction_verdict(picked: Option<&str>, answer: &str) -> String {
    match picked {
        Some(p) if p == answer => format!("Your prediction was right: {answer}."),
        Some(p) => format!("You predicted {p}; the answer was {answer}."),
        None => format!("The answer was {answer}."),
    }
}

/// The message for a link to a lesson that does not exist.
pub fn unknown_lesson(id: &str) -> String {
    format!("There is no lesson called \u{201c}{id}\u{201d}. Pick one from the list.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_reopens_at_its_first_step_not_done_and_from_the_start_once_finished() {
        let mut p = Progress::default();
        assert_eq!(p.resume_at("dns", 4), 0);
        p.mark("dns", 0);
        p.mark("dns", 1);
        p.mark("dns", 3);
        assert_eq!(p.resume_at("dns", 4), 2, "steps count in order");
        p.mark("dns", 2);
        assert_eq!(p.resume_at("dns", 4), 0, "a finished lesson starts over");
        assert!(resumed_note(2).contains("steps 1\u{2013}2"));
        assert!(resumed_note(1).contains("step 1:"));
    }

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn a_script_tag_in_lesson_text_stays_text() {
        let blocks =
            markdown("Look: <script>alert(1)</script> here.\n\n<div onclick=\"x()\">block</div>\n");
        assert_eq!(
            blocks[0],
            Block::Paragraph(vec![text("Look: <script>alert(1)</script> here.")])
        );
        assert_eq!(block_text(&blocks[1]), "<div onclick=\"x()\">block</div>\n");
    }

    #[test]
    fn bold_code_and_emphasis_become_inlines_of_one_paragraph() {
        let blocks = markdown("Send **one** request to `cloudfront`, *then* look.");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("Send "),
                Inline::Strong(vec![text("one")]),
                text(" request to "),
                Inline::Code("cloudfront".into()),
                text(", "),
                Inline::Emphasis(vec![text("then")]),
                text(" look."),
            ])]
        );
    }

    #[test]
    fn a_tight_list_keeps_one_paragraph_per_item_and_paragraphs_stay_apart() {
        let blocks = markdown("First.\nSame paragraph.\n\n1. one\n2. two\n\n- a\n- b\n");
        assert_eq!(
            blocks[0],
            Block::Paragraph(vec![text("First. Same paragraph.")])
        );
        assert_eq!(
            blocks[1],
            Block::List {
                start: Some(1),
                items: vec![
                    vec![Block::Paragraph(vec![text("one")])],
                    vec![Block::Paragraph(vec![text("two")])],
                ],
            }
        );
        assert!(matches!(&blocks[2], Block::List { start: None, items } if items.len() == 2));
    }

    #[test]
    fn a_javascript_link_keeps_its_text_but_loses_its_target() {
        let blocks = markdown("[click](javascript:alert(1)) and [docs](https://aws.amazon.com/)");
        let Block::Paragraph(inl) = &blocks[0] else {
            panic!("a paragraph: {blocks:?}")
        };
        assert_eq!(
            inl[0],
            Inline::Link {
                href: None,
                children: vec![text("click")]
            }
        );
        assert_eq!(
            inl[2],
            Inline::Link {
                href: Some("https://aws.amazon.com/".into()),
                children: vec![text("docs")]
            }
        );
    }

    #[test]
    fn headings_code_blocks_and_quotes_are_blocks() {
        let blocks = markdown("## Why\n\n```\ndig example.com\n```\n\n> a quote\n\n---\n");
        assert_eq!(blocks[0], Block::Heading(2, vec![text("Why")]));
        assert_eq!(blocks[1], Block::Code("dig example.com".into()));
        assert_eq!(
            blocks[2],
            Block::Quote(vec![Block::Paragraph(vec![text("a quote")])])
        );
        assert_eq!(blocks[3], Block::Rule);
    }

    #[test]
    fn progress_survives_a_round_trip_and_bad_storage_counts_as_none() {
        let mut p = Progress::default();
        assert!(p.mark("journey", 0));
        assert!(p.mark("journey", 2));
        assert!(!p.mark("journey", 0), "marking twice is no news");
        let back = Progress::from_json(&p.to_json());
        assert_eq!(back, p);
        assert_eq!(back.done_count("journey", 3), 2);
        assert!(!back.complete("journey", 3));
        assert_eq!(Progress::from_json("not json").done.len(), 0);
        assert_eq!(Progress::from_json("{\"dns\":\"x\"}").done.len(), 0);
    }

    #[test]
    fn progress_text_counts_done_steps_and_says_when_all_are() {
        assert_eq!(progress_text(0, 4), "0 / 4 steps");
        assert_eq!(progress_text(4, 4), "done · 4 / 4 steps");
        assert_eq!(step_heading(0, 3), "Step 1 of 3");
    }

    #[test]
    fn the_lesson_link_is_read_from_the_hash() {
        assert_eq!(
            lesson_in_hash("#lesson=dns-ttl").as_deref(),
            Some("dns-ttl")
        );
        assert_eq!(lesson_in_hash("#x=1&lesson=dns").as_deref(), Some("dns"));
        assert_eq!(lesson_in_hash("#lesson="), None);
        assert_eq!(lesson_in_hash(""), None);
        assert_eq!(lesson_hash("tls"), "#lesson=tls");
    }

    #[test]
    fn the_prediction_verdict_names_both_answers_when_wrong() {
        assert_eq!(
            prediction_verdict(Some("200"), "200"),
            "Your prediction was right: 200."
        );
        assert_eq!(
            prediction_verdict(Some("waf"), "alb-a"),
            "You predicted waf; the answer was alb-a."
        );
    }
}
