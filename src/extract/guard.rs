//! Keeps html5ever's work linear in the size of a hostile page, between its tokenizer and
//! its tree builder.
//!
//! The HTML tree construction algorithm walks the stack of open elements for many tags (is a
//! `<p>` in button scope? is a formatting element still open?) and the list of active
//! formatting elements for every formatting tag and every run of text. On a real page both
//! are a few dozen entries deep; a page of 100,000 nested `<div>`s made every tag walk
//! 100,000 entries (38 s), and 20,000 unclosed `<font>`s of distinct attributes, each
//! compared with all the others, took 12 s. So the tree builder is given at most:
//!
//! - [`MAX_DEPTH`] levels of nesting: an element the tree builder opens deeper than that is
//!   closed again at once (an end tag of its name follows it), so what it would have held
//!   goes to the element above it, and its text stays on the page. Blink's parser flattens
//!   nesting the same way, at 512 levels (`kMaximumHTMLParserDOMTreeDepth`); 256 is still
//!   several times what a county page nests (Word's markup included), and every tag past
//!   the limit may walk all of them.
//! - [`MAX_FORMATTING`] formatting elements (`<b>`, `<font>`, `<a>`…) counted on the stack
//!   of open elements and in the list of active formatting elements together: a formatting
//!   start tag beyond that is ignored, and so is the end tag that closes it. Every block
//!   reopens the formatting elements left open before it, so this also bounds the copies a
//!   page of `<p><font color=N>` can make (5,000 such paragraphs took 7 s and 2 GB).
//!
//! What was flattened is counted in [`Flattened`] and reported on the page; the tree is
//! otherwise exactly html5ever's (and scraper's), which `extract/tests/dom_matches_scraper.rs`
//! checks.

use super::dom::{Builder, Document, Flattened, NodeId, Sink, FORMATTING, FORMATTING_NAMES};
use html5ever::interface::Tracer;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, EndTag, StartTag, Tag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer,
};
use html5ever::tree_builder::TreeBuilder;
use html5ever::TokenizerResult;
use html5ever::{local_name, LocalName, ParseOpts};
use std::cell::{Cell, RefCell};

/// Deepest nesting handed to the tree builder, in ancestors of an element.
pub const MAX_DEPTH: u32 = 256;

/// Most formatting elements open or waiting to be reopened (each counted once on the stack
/// and once in the list when it is both).
pub const MAX_FORMATTING: usize = 16;

impl Document {
    /// Parses a whole document, as `scraper::Html::parse_document` does (default options:
    /// scripting on, so `<noscript>` content is raw text), through the guard: markup nested
    /// absurdly deep is flattened (see [`Document::flattened`]).
    pub fn parse(html: &str) -> Document {
        let opts = ParseOpts::default();
        let guard = Guard {
            tree: TreeBuilder::new(Sink(RefCell::new(Builder::new())), opts.tree_builder),
            flattened: Cell::new(Flattened::default()),
            ignored_formatting: RefCell::new([0; FORMATTING_NAMES]),
            last_count: Cell::new((0, 0)),
        };
        let tokenizer = Tokenizer::new(guard, opts.tokenizer);
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(html));
        // Scripts are not run, and the text is already decoded, so a pause for a script or a
        // `<meta charset>` is only a pause: feed on until the input is used up.
        while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
        tokenizer.end();
        let guard = tokenizer.sink;
        let flattened = guard.flattened.get();
        guard.tree.sink.0.into_inner().into_document(flattened)
    }
}

/// Elements that never hold anything: closing one would be read as another tag (`</br>` is a
/// `<br>`).
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("frame")
            | local_name!("hr")
            | local_name!("image")
            | local_name!("img")
            | local_name!("input")
            | local_name!("keygen")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

/// html5ever's token sink takes `&self` (since 0.28): the counts sit in cells, and the tree
/// is reached through the builder's `RefCell`, borrowed only between the tree builder's calls.
struct Guard {
    tree: TreeBuilder<NodeId, Sink>,
    flattened: Cell<Flattened>,
    /// Per formatting element name, start tags ignored whose end tag has not come yet.
    ignored_formatting: RefCell<[usize; FORMATTING_NAMES]>,
    /// The formatting elements in play at the last count, and how many had been created
    /// then: each created since adds at most two (one on the stack, one in the list), so
    /// the tree builder's state is traced again only when that could reach the limit.
    last_count: Cell<(usize, usize)>,
}

impl Guard {
    /// Formatting elements on the stack of open elements plus those in the list of active
    /// formatting elements: the tree builder's own state, traced.
    fn formatting_in_play(&self) -> usize {
        struct Count<'a> {
            doc: &'a Document,
            count: Cell<usize>,
        }
        impl Tracer for Count<'_> {
            type Handle = NodeId;
            fn trace_handle(&self, node: &NodeId) {
                if self
                    .doc
                    .element(*node)
                    .is_some_and(|el| FORMATTING.contains(el.name()))
                {
                    self.count.set(self.count.get() + 1);
                }
            }
        }
        let builder = self.tree.sink.0.borrow();
        let count = Count {
            doc: builder.document(),
            count: Cell::new(0),
        };
        self.tree.trace_handles(&count);
        count.count.get()
    }

    fn flatten(&self, change: impl FnOnce(&mut Flattened)) {
        let mut flattened = self.flattened.get();
        change(&mut flattened);
        self.flattened.set(flattened);
    }

    fn start_tag(&self, tag: Tag, line: u64) -> TokenSinkResult<NodeId> {
        if let Some(i) = FORMATTING.iter().position(|f| *f == tag.name) {
            let created = self.tree.sink.0.borrow().formatting_created();
            let (in_play, created_then) = self.last_count.get();
            if in_play + 2 * (created - created_then) >= MAX_FORMATTING {
                let in_play = self.formatting_in_play();
                self.last_count.set((in_play, created));
                if in_play >= MAX_FORMATTING {
                    self.ignored_formatting.borrow_mut()[i] += 1;
                    self.flatten(|f| f.formatting += 1);
                    return TokenSinkResult::Continue;
                }
            }
        }
        let closable = !tag.self_closing && !is_void(&tag.name);
        let name = tag.name.clone();
        let before = self.tree.sink.0.borrow().node_count();
        let result = self.tree.process_token(TagToken(tag), line);
        // An element that switched the tokenizer to raw text (`<script>`, `<textarea>`…) is
        // left to its own end tag: it holds only text.
        if !closable || !matches!(result, TokenSinkResult::Continue) {
            return result;
        }
        let created = self.tree.sink.0.borrow().element_created_since(before);
        let Some((id, depth)) = created else {
            return result;
        };
        let is_this_tag = self
            .tree
            .sink
            .0
            .borrow()
            .document()
            .element(id)
            // SVG names keep their case (`<clippath>` makes a `clipPath`).
            .is_some_and(|el| el.name().eq_ignore_ascii_case(&name));
        if is_this_tag && depth > MAX_DEPTH {
            self.flatten(|f| f.too_deep += 1);
            let end = Tag {
                kind: EndTag,
                name,
                self_closing: false,
                attrs: Vec::new(),
                had_duplicate_attributes: false,
            };
            // An end tag right after its start tag only closes that element.
            let _ = self.tree.process_token(TagToken(end), line);
        }
        result
    }
}

impl TokenSink for Guard {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<NodeId> {
        match token {
            TagToken(tag) if tag.kind == StartTag => self.start_tag(tag, line),
            TagToken(tag) => {
                if let Some(i) = FORMATTING.iter().position(|f| *f == tag.name) {
                    let mut ignored = self.ignored_formatting.borrow_mut();
                    if ignored[i] > 0 {
                        ignored[i] -= 1;
                        return TokenSinkResult::Continue;
                    }
                }
                self.tree.process_token(TagToken(tag), line)
            }
            other => self.tree.process_token(other, line),
        }
    }

    fn end(&self) {
        self.tree.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.tree
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::dom::NodeData;

    /// The deepest element and the text under `html`'s document.
    fn depth_and_text(doc: &Document) -> (usize, String) {
        let mut deepest = 0;
        let mut text = String::new();
        for id in doc.descendants(NodeId::DOCUMENT) {
            let mut depth = 0;
            let mut up = doc.parent(id);
            while let Some(p) = up {
                depth += 1;
                up = doc.parent(p);
            }
            deepest = deepest.max(depth);
            if let NodeData::Text(t) = doc.data(id) {
                text.push_str(t);
            }
        }
        (deepest, text)
    }

    #[test]
    fn nesting_beyond_the_limit_is_flattened_and_its_text_kept() {
        let html = format!("{}deep{}", "<div>".repeat(600), "</div>".repeat(600));
        let doc = Document::parse(&html);
        // html, body, then 254 divs: the 255th div would be the 257th level.
        assert_eq!(
            doc.flattened(),
            Flattened {
                too_deep: 600 - 254,
                formatting: 0
            }
        );
        assert_eq!(depth_and_text(&doc), (257, "deep".to_string()));
    }

    #[test]
    fn nesting_up_to_the_limit_is_untouched() {
        let html = format!("{}x", "<div>".repeat(254));
        let doc = Document::parse(&html);
        assert_eq!(doc.flattened(), Flattened::default());
        assert_eq!(depth_and_text(&doc), (257, "x".to_string()));
    }

    #[test]
    fn svg_elements_whose_names_keep_their_case_are_flattened_too() {
        // html, body, svg: 253 clipPaths fit.
        let html = format!("<svg>{}x", "<clippath>".repeat(600));
        let doc = Document::parse(&html);
        assert_eq!(doc.flattened().too_deep, 600 - 253);
        assert_eq!(depth_and_text(&doc), (257, "x".to_string()));
    }

    #[test]
    fn formatting_beyond_the_limit_is_ignored_with_its_end_tags() {
        // 8 nested fonts are 8 on the stack and 8 in the list: the 9th is ignored.
        let html = format!(
            "{}x{}<p>after</p>",
            (0..20)
                .map(|i| format!("<font id=f{i}>"))
                .collect::<String>(),
            "</font>".repeat(20)
        );
        let doc = Document::parse(&html);
        assert_eq!(
            doc.flattened(),
            Flattened {
                too_deep: 0,
                formatting: 12
            }
        );
        let fonts = doc
            .descendants(NodeId::DOCUMENT)
            .filter(|&id| {
                doc.element(id)
                    .is_some_and(|e| *e.name() == local_name!("font"))
            })
            .count();
        assert_eq!(fonts, 8);
        // All closed: the paragraph after them reopens none.
        let (_, text) = depth_and_text(&doc);
        assert_eq!(text, "xafter");
    }
}
