//! The supervisor's live floor: agents, conversations by state, the day's figures, content gaps.
