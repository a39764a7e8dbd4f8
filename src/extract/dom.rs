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
//! adoption agency, foster-parented table text — and this sink carries those decisions out the
//! way scraper's does: adjacent text is merged into one node, a `<template>`'s content hangs
//! under a fragment node inside the template element, attributes repeated on a second
//! `<html>`/`<body>` tag are added only when missing. What it drops: comment text (a comment
//! stays as an empty node, so the text on either side of it stays two nodes, as in scraper),
//! the doctype and the quirks mode, which nothing downstream reads.
//! `tests/it/dom_matches_scraper.rs` checks the two trees are equal on every fixture and fuzz input.
//!
//! ```
//! use minsheng::extract::dom::Document;
//! let doc = Document::parse("<table><tr><td>1</td></tr></table>");
//! let html = doc.root_element().unwrap();
//! let names: Vec<String> = doc
//!     .descendants(html)
//!     .filter_map(|id| doc.element(id))
//!     .map(|el| el.name().to_string())
//!     .collect();
//! assert_eq!(names, ["html", "head", "body", "table", "tbody", "tr", "td"]);
//! ```

use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{expanded_name, local_name, ns};
use html5ever::{Attribute, LocalName, QualName};
use std::borrow::Cow;
use std::cell::{Ref, RefCell};
use std::sync::LazyLock;

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

impl Flattened {
    pub fn is_empty(&self) -> bool {
        self.too_deep == 0 && self.formatting == 0
    }
}

/// A step of a depth-first walk: entering a node, or leaving it after its descendants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Open(NodeId),
    Close(NodeId),
}

impl Document {
    /// Parses a whole document, as `scraper::Html::parse_document` does (default options:
    /// scripting on, so `<noscript>` content is raw text), except that markup nested absurdly
    /// deep is flattened (see [`Document::flattened`]).
    pub fn parse(html: &str) -> Document {
        super::guard::parse(html)
    }

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

/// html5ever's `TreeSink`: carries out the tree builder's decisions on a [`Document`].
pub(super) struct Builder {
    doc: Document,
    /// The element created last.
    last_element: Option<NodeId>,
    /// Formatting elements (`<b>`, `<font>`…) created so far.
    formatting_created: usize,
}

/// What `elem_name` answers for a node that is not an element (the tree builder never asks).
static NO_NAME: LazyLock<QualName> = LazyLock::new(|| QualName::new(None, ns!(), local_name!("")));

impl Builder {
    pub(super) fn new() -> Builder {
        Builder {
            doc: Document {
                nodes: vec![Node::new(NodeData::Document)],
                flattened: Flattened::default(),
            },
            last_element: None,
            formatting_created: 0,
        }
    }

    pub(super) fn document(&self) -> &Document {
        &self.doc
    }

    /// The document, with what the guard flattened.
    pub(super) fn into_document(self, flattened: Flattened) -> Document {
        Document {
            flattened,
            ..self.doc
        }
    }

    /// The element created last, if it was created after the first `since` nodes.
    pub(super) fn element_created_since(&self, since: usize) -> Option<(NodeId, u32)> {
        self.last_element
            .filter(|id| id.index() >= since)
            .map(|id| (id, self.doc.node(id).depth))
    }

    pub(super) fn formatting_created(&self) -> usize {
        self.formatting_created
    }

    pub(super) fn node_count(&self) -> usize {
        self.doc.nodes.len()
    }

    /// Records `id`'s depth under its new parent, and its template contents' below it.
    fn set_depth(&mut self, id: NodeId, parent: NodeId) {
        let depth = self.doc.node(parent).depth.saturating_add(1);
        self.node_mut(id).depth = depth;
        if let Some(contents) = self.doc.node(id).first_child {
            if matches!(self.doc.node(contents).data, NodeData::TemplateContents) {
                self.node_mut(contents).depth = depth.saturating_add(1);
            }
        }
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.doc.nodes[id.index()]
    }

    fn new_node(&mut self, data: NodeData) -> NodeId {
        // More than 4 billion nodes would need far more memory than a page can have.
        let id = NodeId(u32::try_from(self.doc.nodes.len()).unwrap_or(u32::MAX));
        self.doc.nodes.push(Node::new(data));
        id
    }

    /// Unlinks `id` from its parent and siblings.
    fn detach(&mut self, id: NodeId) {
        let node = self.node_mut(id);
        let (parent, prev, next) = (
            node.parent.take(),
            node.prev_sibling.take(),
            node.next_sibling.take(),
        );
        let Some(parent) = parent else { return };
        match prev {
            Some(prev) => self.node_mut(prev).next_sibling = next,
            None => self.node_mut(parent).first_child = next,
        }
        match next {
            Some(next) => self.node_mut(next).prev_sibling = prev,
            None => self.node_mut(parent).last_child = prev,
        }
    }

    /// Makes `child` the last child of `parent`.
    fn append_node(&mut self, parent: NodeId, child: NodeId) {
        self.detach(child);
        let last = self.node_mut(parent).last_child.replace(child);
        match last {
            Some(last) => self.node_mut(last).next_sibling = Some(child),
            None => self.node_mut(parent).first_child = Some(child),
        }
        let node = self.node_mut(child);
        node.parent = Some(parent);
        node.prev_sibling = last;
        self.set_depth(child, parent);
    }

    /// Puts `new` right before `sibling`, which has a parent.
    fn insert_before(&mut self, sibling: NodeId, new: NodeId) {
        self.detach(new);
        let Some(parent) = self.doc.node(sibling).parent else {
            return;
        };
        let prev = self.node_mut(sibling).prev_sibling.replace(new);
        match prev {
            Some(prev) => self.node_mut(prev).next_sibling = Some(new),
            None => self.node_mut(parent).first_child = Some(new),
        }
        let node = self.node_mut(new);
        node.parent = Some(parent);
        node.prev_sibling = prev;
        node.next_sibling = Some(sibling);
        self.set_depth(new, parent);
    }

    /// Appends `text` to the text node at `id`; false when `id` is not a text node.
    fn merge_text(&mut self, id: Option<NodeId>, text: &StrTendril) -> bool {
        match id.map(|id| &mut self.node_mut(id).data) {
            Some(NodeData::Text(existing)) => {
                existing.push_tendril(text);
                true
            }
            _ => false,
        }
    }
}

impl Node {
    fn new(data: NodeData) -> Node {
        Node {
            depth: 0,
            parent: None,
            prev_sibling: None,
            next_sibling: None,
            first_child: None,
            last_child: None,
            data,
        }
    }
}

impl Builder {
    fn create_element(&mut self, name: QualName, attrs: Vec<Attribute>, _: ElementFlags) -> NodeId {
        let template = name.expanded() == expanded_name!(html "template");
        if super::guard::is_formatting(&name.local) {
            self.formatting_created += 1;
        }
        let id = self.new_node(NodeData::Element(Element { name, attrs }));
        self.last_element = Some(id);
        if template {
            let contents = self.new_node(NodeData::TemplateContents);
            self.append_node(id, contents);
        }
        id
    }

    fn append(&mut self, parent: &NodeId, child: NodeOrText<NodeId>) {
        match child {
            NodeOrText::AppendNode(id) => self.append_node(*parent, id),
            NodeOrText::AppendText(text) => {
                let last = self.doc.node(*parent).last_child;
                if !self.merge_text(last, &text) {
                    let id = self.new_node(NodeData::Text(text));
                    self.append_node(*parent, id);
                }
            }
        }
    }

    fn append_based_on_parent_node(
        &mut self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        if self.doc.node(*element).parent.is_some() {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn get_template_contents(&mut self, target: &NodeId) -> NodeId {
        // The contents node is created with the template; should anything have moved it,
        // the template itself receives the content.
        self.doc.node(*target).first_child.unwrap_or(*target)
    }

    fn append_before_sibling(&mut self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        if let NodeOrText::AppendNode(id) = new_node {
            self.detach(id);
        }
        if self.doc.node(*sibling).parent.is_none() {
            return;
        }
        match new_node {
            NodeOrText::AppendNode(id) => self.insert_before(*sibling, id),
            NodeOrText::AppendText(text) => {
                let prev = self.doc.node(*sibling).prev_sibling;
                if !self.merge_text(prev, &text) {
                    let id = self.new_node(NodeData::Text(text));
                    self.insert_before(*sibling, id);
                }
            }
        }
    }

    fn add_attrs_if_missing(&mut self, target: &NodeId, attrs: Vec<Attribute>) {
        if let NodeData::Element(el) = &mut self.node_mut(*target).data {
            for attr in attrs {
                if !el.attrs.iter().any(|a| a.name == attr.name) {
                    el.attrs.push(attr);
                }
            }
        }
    }

    fn reparent_children(&mut self, node: &NodeId, new_parent: &NodeId) {
        let mut next = self.doc.node(*node).first_child;
        while let Some(child) = next {
            next = self.doc.node(child).next_sibling;
            self.append_node(*new_parent, child);
        }
    }
}

/// html5ever's `TreeSink` takes `&self` (since 0.28): the builder sits in a `RefCell`,
/// borrowed mutably for the span of each call. The tree builder never calls back into the
/// sink while a call runs, and drops each `elem_name` answer before its next call.
pub(super) struct Sink(pub(super) RefCell<Builder>);

impl TreeSink for Sink {
    type Handle = NodeId;
    type Output = Document;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Document {
        self.0.into_inner().into_document(Flattened::default())
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        NodeId::DOCUMENT
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        Ref::map(self.0.borrow(), |b| match &b.doc.node(*target).data {
            NodeData::Element(el) => &el.name,
            _ => &NO_NAME,
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.0.borrow_mut().create_element(name, attrs, flags)
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        self.0.borrow_mut().new_node(NodeData::Comment)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.0.borrow_mut().new_node(NodeData::Comment)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.0.borrow_mut().append(parent, child)
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.0
            .borrow_mut()
            .append_based_on_parent_node(element, prev_element, child)
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.0.borrow_mut().get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.0.borrow_mut().append_before_sibling(sibling, new_node)
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.0.borrow_mut().add_attrs_if_missing(target, attrs)
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.0.borrow_mut().detach(*target)
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.0.borrow_mut().reparent_children(node, new_parent)
    }
}

#[cfg(test)]
mod tests;
