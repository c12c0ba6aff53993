"""viworks-lint: pre-deployment linter for Rust backends in Docker compose projects."""

__version__ = "0.1.0"
