//! The agent desk's own types: internal notes, transfers and routing, canned replies, drafts.
