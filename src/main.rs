//! Entry point of the widget's Wasm binary.
fn main() {
    tandem_widget::start();
}
