//! Declarations parsed once while their text stays the same.
//!
//! An editor sends the whole text of a file after every keystroke; all but
//! one of its declarations are unchanged. [`ParseCache`] keeps the tree of
//! each declaration that parsed without error, keyed by its exact text
//! (from its keyword to the next declaration's), and [`crate::parse_cached`]
//! reuses it wherever that text now stands, moving its spans. Only clean
//! declarations are kept, and a declaration parses the same wherever it
//! stands (see `pieces` in the parser), so the result is always exactly that
//! of [`crate::parse`].

use crate::ast::Item;
use crate::shift::Shift;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Texts kept before the older half is dropped. Two generations bound the
/// memory: a declaration used in the newer one survives a turn-over, so what
/// the open files hold stays, and texts of earlier versions go.
const GENERATION_BYTES: usize = 8 << 20;

/// A cache of parsed declarations, shared between threads.
#[derive(Default)]
pub struct ParseCache {
    inner: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    new: HashMap<Box<str>, Arc<Piece>>,
    old: HashMap<Box<str>, Arc<Piece>>,
    new_bytes: usize,
}

/// The items of one piece of text, with their spans where the text stood.
pub(crate) struct Piece {
    base: usize,
    items: Vec<Item>,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// The items of `text` moved to `base`, if it was parsed before.
    pub(crate) fn get(&self, text: &str, base: usize) -> Option<Vec<Item>> {
        let piece = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            match g.new.get(text) {
                Some(p) => p.clone(),
                None => {
                    let (key, p) = g.old.remove_entry(text)?;
                    g.keep(key, p.clone());
                    p
                }
            }
        };
        let mut items = piece.items.clone();
        // Offsets fit in u32 (files are bounded far below 4 GiB), so the
        // distance is a u32 difference modulo 2³².
        let by = (base as u32).wrapping_sub(piece.base as u32);
        if by != 0 {
            items.shift(by);
        }
        Some(items)
    }

    /// Keeps the items `text` parsed into at `base`.
    pub(crate) fn put(&self, text: &str, base: usize, items: &[Item]) {
        let piece = Arc::new(Piece { base, items: items.to_vec() });
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.keep(text.into(), piece);
    }
}

impl Generations {
    fn keep(&mut self, key: Box<str>, piece: Arc<Piece>) {
        if self.new_bytes + key.len() > GENERATION_BYTES {
            self.old = std::mem::take(&mut self.new);
            self.new_bytes = 0;
        }
        self.new_bytes += key.len();
        self.new.insert(key, piece);
    }
}
