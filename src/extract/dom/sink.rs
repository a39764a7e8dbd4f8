//! The tree builder's side of the [`Document`]: html5ever's `TreeSink` ([`Sink`] around a
//! [`Builder`]) carrying out each decision of the tree builder on the node list — created
//! elements, appended and merged text, moved children, template contents, attributes added
//! to a second `<html>`/`<body>` — the way scraper's sink does, so the trees are equal.

use super::*;
use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{expanded_name, local_name, ns};
use html5ever::{Attribute, QualName};
use std::borrow::Cow;
use std::cell::{Ref, RefCell};
use std::sync::LazyLock;

/// html5ever's `TreeSink`: carries out the tree builder's decisions on a [`Document`].
pub(in crate::extract) struct Builder {
    doc: Document,
    /// The element created last.
    last_element: Option<NodeId>,
    /// Formatting elements (`<b>`, `<font>`…) created so far.
    formatting_created: usize,
}

/// What `elem_name` answers for a node that is not an element (the tree builder never asks).
static NO_NAME: LazyLock<QualName> = LazyLock::new(|| QualName::new(None, ns!(), local_name!("")));

impl Builder {
    pub(in crate::extract) fn new() -> Builder {
        Builder {
            doc: Document {
                nodes: vec![Node::new(NodeData::Document)],
                flattened: Flattened::default(),
            },
            last_element: None,
            formatting_created: 0,
        }
    }

    pub(in crate::extract) fn document(&self) -> &Document {
        &self.doc
    }

    /// The document, with what the guard flattened.
    pub(in crate::extract) fn into_document(self, flattened: Flattened) -> Document {
        Document {
            flattened,
            ..self.doc
        }
    }

    /// The element created last, if it was created after the first `since` nodes.
    pub(in crate::extract) fn element_created_since(&self, since: usize) -> Option<(NodeId, u32)> {
        self.last_element
            .filter(|id| id.index() >= since)
            .map(|id| (id, self.doc.node(id).depth))
    }

    pub(in crate::extract) fn formatting_created(&self) -> usize {
        self.formatting_created
    }

    pub(in crate::extract) fn node_count(&self) -> usize {
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
        if super::is_formatting(&name.local) {
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
pub(in crate::extract) struct Sink(pub(in crate::extract) RefCell<Builder>);

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
