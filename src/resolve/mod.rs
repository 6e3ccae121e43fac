//! Resolve: each source invoice against the snapshot and settings — who the contact is
//! ([`contacts`]) and which tracking options each line carries ([`tracking`]). Reads the input
//! models; knows nothing of request bodies or sending.

pub mod contacts;
pub mod tracking;
