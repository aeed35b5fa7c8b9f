//! Browser tests (wasm-bindgen-test in headless Chromium): message content is rendered as text,
//! never interpreted as HTML.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use tandem_protocol::{Block, Field, Value};
use tandem_widget::blocks::{BlockEnv, BlockView};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const HOSTILE: &str = "<script>alert(1)</script> and <img src=x onerror=alert(1)>";

fn env() -> BlockEnv {
    BlockEnv {
        locale: "en",
        strings: &tandem_widget::i18n::EN,
        on_reply: Callback::new(|_| {}),
        on_handoff: Callback::new(|_| {}),
    }
}

async fn render(block: Block) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let parent: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&parent).unwrap();
    let handle = leptos::mount::mount_to(parent.clone(), move || view! { <BlockView block=block env=env()/> });
    handle.forget();
    leptos::task::tick().await;
    parent
}

fn assert_inert(parent: &web_sys::HtmlElement) {
    assert_eq!(parent.query_selector_all("script").unwrap().length(), 0, "a <script> element was created");
    assert_eq!(parent.query_selector_all("img").unwrap().length(), 0, "an <img> element was created");
    assert!(parent.text_content().unwrap().contains(HOSTILE), "text was altered: {:?}", parent.text_content());
}

#[wasm_bindgen_test]
async fn hostile_paragraph_renders_as_literal_text() {
    let parent = render(Block::Paragraph { text: HOSTILE.into() }).await;
    assert_inert(&parent);
    assert_eq!(parent.query_selector("p").unwrap().unwrap().text_content().unwrap(), HOSTILE);
}

#[wasm_bindgen_test]
async fn hostile_bullets_and_card_render_as_literal_text() {
    let parent = render(Block::Bullets { items: vec![HOSTILE.into()] }).await;
    assert_inert(&parent);
    let parent = render(Block::Card {
        title: HOSTILE.into(),
        fields: vec![Field { label: "Store".into(), value: Value::Text { text: HOSTILE.into() } }],
    })
    .await;
    assert_inert(&parent);
}

#[wasm_bindgen_test]
async fn money_and_dates_in_cards_use_the_browser_locale_formatting() {
    let parent = render(Block::Card {
        title: "Order FP-1001".into(),
        fields: vec![
            Field { label: "Next payment".into(), value: Value::Money { money: tandem_protocol::Money::eur(5000) } },
            Field { label: "Due".into(), value: Value::Date { date: "2026-11-28".into() } },
        ],
    })
    .await;
    let text = parent.text_content().unwrap();
    assert!(text.contains("€50.00"), "{text}");
    assert!(text.contains("November 28, 2026") || text.contains("28 November 2026"), "{text}");
}

#[wasm_bindgen_test]
fn host_page_locales_are_canonicalised_and_bad_ones_fall_back() {
    use tandem_widget::format::{canonical_locale, money};
    assert_eq!(canonical_locale("en_US"), "en-US");
    assert_eq!(canonical_locale("SV-se"), "sv-SE");
    assert_eq!(canonical_locale("de-DE-x-!!"), "de");
    assert_eq!(canonical_locale("<script>"), "en");
    assert_eq!(canonical_locale(""), "en");
    for raw in ["en_US", "xx-invalid", "12345", "ar_EG"] {
        let l = canonical_locale(raw);
        let m = money(&tandem_protocol::Money::eur(5000), &l);
        assert!(m.contains("50") || m.contains("٥٠"), "{raw} -> {l} -> {m}");
    }
}
