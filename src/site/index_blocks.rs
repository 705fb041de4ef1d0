//! `search-index.js` for rebuilds, spliced from blocks of lessons: each block holds its
//! documents and its postings already serialised, and is kept while its lessons and its
//! first document number stay the same. After an edit to one lesson only that lesson's
//! block is grouped and serialised again; the file is the blocks' pieces merged term by
//! term, byte for byte what `search::IndexBuilder` writes.

use super::search::{LessonDocs, LessonTerms, SHARD_DOCS, TermHasher};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Lessons per block: small enough that remaking one is cheap, large enough that a
/// course of 10,000 lessons is a few hundred blocks to merge.
pub const BLOCK_LESSONS: usize = 64;

/// A block's share of the index, serialised.
#[derive(Debug, Default)]
pub struct IndexBlock {
    /// Each document as `["url","lesson","heading"]`, separated by commas.
    docs: Vec<u8>,
    /// Each term of the block's documents, sorted, with its postings there (numbered
    /// from the course's first document) separated by commas.
    terms: Vec<(String, Vec<u8>)>,
}

/// The block of `lessons` (documents and grouped terms, in course order) whose first
/// document is the course's `first_doc`th.
pub fn index_block(lessons: &[(&LessonDocs, &LessonTerms)], first_doc: u32) -> IndexBlock {
    let mut postings: HashMap<&str, Vec<u32>, TermHasher> = HashMap::default();
    let mut docs = Vec::new();
    let mut doc_number = first_doc;
    for (lesson_docs, terms) in lessons {
        let first = doc_number << 2;
        for (term, local) in terms.iter() {
            // Lessons come in order, so each list stays ascending.
            let list = postings.entry(term).or_default();
            list.extend(local.iter().map(|p| p + first));
        }
        for d in lesson_docs.iter() {
            if !docs.is_empty() {
                docs.push(b',');
            }
            let doc = [&d.doc.url, &d.doc.lesson, &d.doc.heading];
            // Serialising strings into memory cannot fail.
            let _ = serde_json::to_writer(&mut docs, &doc);
        }
        doc_number += lesson_docs.len() as u32;
    }
    let mut terms: Vec<(String, Vec<u8>)> = postings
        .into_iter()
        .map(|(term, list)| (term.to_string(), json_list_items(&list)))
        .collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    IndexBlock { docs, terms }
}

/// `[1,2,3]` as serde_json writes it, without the brackets.
fn json_list_items(list: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(list.len() * 6 + 2);
    let _ = serde_json::to_writer(&mut out, list);
    out.pop();
    out.remove(0);
    out
}

/// `search-index.js` from the blocks of every lesson, in course order.
pub fn splice_index(blocks: &[&IndexBlock]) -> Vec<u8> {
    // Room for all of it (each term's postings, brackets and comma, and the term itself
    // quoted): grown as it is written, a file of megabytes would be copied and its
    // fresh pages faulted in again.
    let size: usize = blocks
        .iter()
        .map(|b| {
            b.docs.len()
                + 1
                + b.terms
                    .iter()
                    .map(|t| t.1.len() + t.0.len() + 6)
                    .sum::<usize>()
        })
        .sum();
    let mut out = Vec::with_capacity(size + 1024);
    out.extend_from_slice(b"window.CRESCU_SEARCH={\"docs\":[");
    let mut first = true;
    for block in blocks.iter().filter(|b| !b.docs.is_empty()) {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(&block.docs);
        first = false;
    }
    out.extend_from_slice(b"],\"postings\":[");
    let terms = merge_postings(blocks, &mut out);
    out.extend_from_slice(format!("],\"shard\":{SHARD_DOCS},\"terms\":[").as_bytes());
    out.extend_from_slice(&terms);
    out.extend_from_slice(b"]};\n");
    out
}

/// Write each term's postings list, terms in order, merging the blocks' sorted terms;
/// returns the terms as JSON strings separated by commas.
fn merge_postings(blocks: &[&IndexBlock], out: &mut Vec<u8>) -> Vec<u8> {
    let mut next = vec![0usize; blocks.len()];
    // The smallest term of each block not yet written; equal terms pop in block order.
    let mut heap: BinaryHeap<Reverse<(&str, usize)>> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| Some(Reverse((b.terms.first()?.0.as_str(), i))))
        .collect();
    let mut terms = Vec::new();
    let mut current: Option<&str> = None;
    while let Some(Reverse((term, i))) = heap.pop() {
        if current == Some(term) {
            out.push(b',');
        } else {
            if current.is_some() {
                out.extend_from_slice(b"],");
                terms.push(b',');
            }
            out.push(b'[');
            let _ = serde_json::to_writer(&mut terms, term);
            current = Some(term);
        }
        let block = blocks[i];
        out.extend_from_slice(&block.terms[next[i]].1);
        next[i] += 1;
        if let Some((following, _)) = block.terms.get(next[i]) {
            heap.push(Reverse((following.as_str(), i)));
        }
    }
    if current.is_some() {
        out.push(b']');
    }
    terms
}
