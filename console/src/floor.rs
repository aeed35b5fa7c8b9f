//! Placeholder until this section's change lands.

use leptos::prelude::*;

/// The section's view.
#[component]
pub fn FloorView() -> impl IntoView {
    view! { <p>"Coming in this session."</p> }
}
