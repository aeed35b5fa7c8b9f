//! The widget's views: the message list, the status notices, the composer and the small forms.
//! They read the controller's signals and call its actions; the decisions are made elsewhere.

pub mod composer;
pub mod forms;
pub mod status;
pub mod transcript;
