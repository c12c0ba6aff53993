"""Facts read from Rust source with tree-sitter: routes, listen addresses, env reads."""
