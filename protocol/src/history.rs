//! History and search over past conversations.
