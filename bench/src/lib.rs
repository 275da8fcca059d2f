//! Benchmarks of session-guard next to what teams use today: Okta's own
//! verifiers, `jose`, PyJWT and hand-written Sessions API calls, measured
//! in one run on the same machine and the same tokens.
//!
//! `just bench` runs [`harness::run`] end to end and rewrites
//! `docs/benchmarks.md` and its plot.

pub mod baseline;
pub mod decisions;
pub mod harness;
pub mod loadgen;
pub mod machine;
pub mod org;
pub mod plot;
pub mod procs;
pub mod report;
pub mod results;
pub mod scenario;
pub mod stats;
