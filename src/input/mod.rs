//! Input: what the caller gives, read once at the edge. The host's invoices ([`source`]), its
//! Xero configuration ([`settings`]) and the organisation's Xero data ([`snapshot`]) become
//! typed, normalised models here; nothing downstream re-parses the caller's JSON.

pub mod json_path;
pub mod settings;
pub mod snapshot;
pub mod source;
pub mod unknown;
pub mod work;
