"""The rule modules. Importing this package registers every rule, one module per rule."""

from viworks_lint.rules import (  # noqa: F401
    vw001_parse_error,
    vw002_schema_violation,
    vw003_suppression_unused,
    vw101_cargo_target_missing,
    vw102_copy_source_missing,
    vw301_healthcheck_start_period_missing,
    vw401_runs_as_root,
    vw402_no_init_process,
)
