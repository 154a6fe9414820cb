//! Whole-grammar tests.
