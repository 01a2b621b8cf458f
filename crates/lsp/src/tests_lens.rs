//! The inline tests' lenses and their command, on the protocol's wire.
//! Which lenses there are and how tests run is `guidepath_ide`'s.

use serde_json::{json, Value};
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::ls_types::{CodeLens, Command, Uri};

use crate::convert::Text;

/// The command the lenses run: arguments are the document's URI and,
/// for one test, its name.
pub const RUN_TESTS: &str = "guidepath.runTests";

/// The file's lenses as the protocol's, each running its tests.
pub fn lenses(lenses: Vec<guidepath_ide::Lens>, text: &Text, uri: &Uri) -> Vec<CodeLens> {
    lenses
        .into_iter()
        .map(|l| {
            let mut args = vec![json!(uri)];
            args.extend(l.test.map(Value::String));
            CodeLens {
                range: text.range(l.span),
                command: Some(Command { title: l.title, command: RUN_TESTS.into(), arguments: Some(args) }),
                data: None,
            }
        })
        .collect()
}

/// The command's arguments: the URI, and the test's name if one.
pub fn arguments(args: &[Value]) -> Result<(Uri, Option<String>)> {
    let uri = args
        .first()
        .and_then(Value::as_str)
        .and_then(|u| u.parse::<Uri>().ok())
        .ok_or_else(|| Error::invalid_params("the first argument is the document's URI"))?;
    let only = match args.get(1) {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(Error::invalid_params("the second argument is a test's name")),
    };
    Ok((uri, only))
}
