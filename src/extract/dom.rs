//! The document tree that extraction reads: html5ever's tree builder decides the tree, this
//! module only stores it, in a form that is cheap to build, walk and drop.
//!
//! Why not scraper's `Html`: its DOM costs about a tenth of the parse on the fixtures (a hash
//! map of attributes per element, large nodes to move and drop), and extraction needs none of
//! what that buys (CSS selectors, attribute maps, interned class lists). Here the nodes live
//! in one `Vec` and link to each other by index, an element keeps its name and the attribute
//! `Vec` the tokenizer handed over, and dropping the tree is dropping that `Vec`.
//!
//! Why the tree is the same as scraper's (and a browser's): the same html5ever tree builder,
//! with the same options, makes every decision — implied `<tbody>`, misnested tags, the
//! adoption agency, foster-parented table text — and the sink in `sink.rs` carries those
//! decisions out the way scraper's does: adjacent text is merged into one node, a
//! `<template>`'s content hangs under a fragment node inside the template element, attributes
//! repeated on a second `<html>`/`<body>` tag are added only when missing. What it drops:
//! comment text (a comment stays as an empty node, so the text on either side of it stays two
//! nodes, as in scraper), the doctype and the quirks mode, which nothing downstream reads.
//! `extract/tests/dom_matches_scraper.rs` checks the two trees are equal on every fixture and fuzz input.
//!
//! (The example is the test `module_example` at the end of this file.)

mod sink;

pub(super) use sink::{Builder, Sink};

use html5ever::ns;
use html5ever::tendril::StrTendril;
use html5ever::{local_name, Attribute, LocalName, QualName};

/// A node of a [`Document`]: its index in the node list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The document node, parent of the `<html>` element.
    pub const DOCUMENT: NodeId = NodeId(0);

    fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeData {
    Document,
    Element(Element),
    /// A run of text; adjacent text is always one node.
    Text(StrTendril),
    /// A comment (or processing instruction), without its text.
    Comment,
    /// The content of a `<template>`: the template element's only child.
    TemplateContents,
}

/// An element: its name and attributes, as the tokenizer and tree builder produced them.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: QualName,
    pub attrs: Vec<Attribute>,
}

impl Element {
    /// The local name (`td`, `p`; `title` for an SVG `<title>` too, as in scraper).
    pub fn name(&self) -> &LocalName {
        &self.name.local
    }

    /// The value of the attribute `name` (without namespace: `class`, `colspan`).
    pub fn attr(&self, name: &LocalName) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.local == *name && a.name.ns == ns!() && a.name.prefix.is_none())
            .map(|a| &*a.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    /// Ancestors up to the document node, as of when the node was last inserted (nodes moved
    /// with their parent keep theirs): what the guard reads as the tree builder's depth.
    depth: u32,
    parent: Option<NodeId>,
    prev_sibling: Option<NodeId>,
    next_sibling: Option<NodeId>,
    first_child: Option<NodeId>,
    last_child: Option<NodeId>,
    data: NodeData,
}

/// A parsed HTML document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    nodes: Vec<Node>,
    flattened: Flattened,
}

/// Markup the parser was not given whole, to keep its work linear in the page's size (see
/// `guard.rs`): both zero on every real page seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flattened {
    /// Elements opened deeper than [`MAX_DEPTH`](crate::extract::MAX_DEPTH), closed again at
    /// once: their content went to the element above them.
    pub too_deep: usize,
    /// Formatting start tags (`<b>`, `<font>`…) ignored, with their end tags, because more
    /// than [`MAX_FORMATTING`](crate::extract::MAX_FORMATTING) formatting elements were open or
    /// waiting to be reopened.
    pub formatting: usize,
}

/// A step of a depth-first walk: entering a node, or leaving it after its descendants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Open(NodeId),
    Close(NodeId),
}

impl Document {
    /// What the parser was not given whole; empty on any real page.
    pub fn flattened(&self) -> Flattened {
        self.flattened
    }

    /// The first element child of the document: the `<html>` element.
    pub fn root_element(&self) -> Option<NodeId> {
        self.children(NodeId::DOCUMENT)
            .find(|&id| self.element(id).is_some())
    }

    pub fn data(&self, id: NodeId) -> &NodeData {
        &self.node(id).data
    }

    /// The element at `id`, `None` for other nodes.
    pub fn element(&self, id: NodeId) -> Option<&Element> {
        match &self.node(id).data {
            NodeData::Element(el) => Some(el),
            _ => None,
        }
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.node(id).parent
    }

    /// The children of `id`, in order.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            doc: self,
            next: self.node(id).first_child,
        }
    }

    /// The element children of `id`, in order.
    pub fn child_elements(&self, id: NodeId) -> impl Iterator<Item = (NodeId, &Element)> {
        self.children(id)
            .filter_map(move |c| self.element(c).map(|el| (c, el)))
    }

    /// `id` and everything inside it, depth first, each node entered and left.
    pub fn traverse(&self, id: NodeId) -> Traverse<'_> {
        Traverse {
            doc: self,
            root: id,
            next: Some(Edge::Open(id)),
        }
    }

    /// `id` and everything inside it, in document order.
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.traverse(id).filter_map(|edge| match edge {
            Edge::Open(id) => Some(id),
            Edge::Close(_) => None,
        })
    }

    fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
}

/// See [`Document::children`].
pub struct Children<'a> {
    doc: &'a Document,
    next: Option<NodeId>,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = self.next?;
        self.next = self.doc.node(id).next_sibling;
        Some(id)
    }
}

/// See [`Document::traverse`].
pub struct Traverse<'a> {
    doc: &'a Document,
    root: NodeId,
    next: Option<Edge>,
}

impl Traverse<'_> {
    /// Right after `Edge::Open(id)`: goes on with `Edge::Close(id)`, past everything inside
    /// `id`, so that a walk which ignores a subtree does not pay for it.
    pub fn skip_inside(&mut self, id: NodeId) {
        self.next = Some(Edge::Close(id));
    }
}

impl Iterator for Traverse<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        let edge = self.next?;
        self.next = match edge {
            Edge::Open(id) => Some(match self.doc.node(id).first_child {
                Some(child) => Edge::Open(child),
                None => Edge::Close(id),
            }),
            Edge::Close(id) if id == self.root => None,
            Edge::Close(id) => {
                let node = self.doc.node(id);
                match node.next_sibling {
                    Some(sibling) => Some(Edge::Open(sibling)),
                    None => node.parent.map(Edge::Close),
                }
            }
        };
        Some(edge)
    }
}

pub(crate) const FORMATTING_NAMES: usize = 14;

/// A formatting element of the HTML standard.
pub(crate) fn is_formatting(name: &LocalName) -> bool {
    FORMATTING.contains(name)
}

/// The formatting elements of the HTML standard.
pub(crate) static FORMATTING: [LocalName; FORMATTING_NAMES] = [
    local_name!("a"),
    local_name!("b"),
    local_name!("big"),
    local_name!("code"),
    local_name!("em"),
    local_name!("font"),
    local_name!("i"),
    local_name!("nobr"),
    local_name!("s"),
    local_name!("small"),
    local_name!("strike"),
    local_name!("strong"),
    local_name!("tt"),
    local_name!("u"),
];

#[cfg(test)]
mod tests;

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        use crate::extract::dom::Document;
        let doc = Document::parse("<table><tr><td>1</td></tr></table>");
        let html = doc.root_element().unwrap();
        let names: Vec<String> = doc
            .descendants(html)
            .filter_map(|id| doc.element(id))
            .map(|el| el.name().to_string())
            .collect();
        assert_eq!(
            names,
            ["html", "head", "body", "table", "tbody", "tr", "td"]
        );
    }
}
